/**
 * The pay commands of the collector CLI against a real database: close a month, show and verify its
 * statements, export the evidence and re-check it offline, and the refusals: an edited policy that
 * would change a closed month, an invalid policy file (every problem listed).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migratedTestDatabase } from '../../../test/support/pg.ts';
import { runCli } from '../cli.ts';
import { DEFAULT_POLICY_FILE } from './policy.ts';
import { intervals, node, operator } from './testkit.ts';

let db: Awaited<ReturnType<typeof migratedTestDatabase>>;
const dir = mkdtempSync(join(tmpdir(), 'timmy-pay-cli-'));
let env: Record<string, string>;

beforeAll(async () => {
  db = await migratedTestDatabase('pay_cli');
  env = { DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
  const olga = await operator(db.sql, 'olga', '2026-01-01');
  await intervals(db.sql, await node(db.sql, 'o1', olga, '2026-09-01'), [['UP', '2026-09-01', null]]);
});
afterAll(async () => {
  await db?.drop();
});

/** Runs the CLI, returning its exit code and what it printed (stdout and stderr). */
async function cli(args: string[], extra: Record<string, string> = {}) {
  const out: string[] = [];
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' '))),
    vi.spyOn(console, 'error').mockImplementation((...a) => void out.push(a.join(' '))),
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true)),
  ];
  try {
    return { code: await runCli(args, { ...env, ...extra }), out: out.join('\n') };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

describe('timmy-collector month / statement', () => {
  it('closes a month once, shows, verifies and exports it; the bundle verifies with no database', async () => {
    expect(await cli(['month', 'close', '2026-10'])).toMatchObject({ code: 0, out: expect.stringMatching(/^closed 2026-10: 1 statement/) });
    expect(await cli(['month', 'close', '2026-10'])).toMatchObject({ code: 0, out: expect.stringMatching(/was closed already/) });
    const shown = await cli(['statement', 'show', '2026-10', '--operator', 'olga']);
    expect(JSON.parse(shown.out)).toMatchObject({ month: '2026-10', subject: { id: 'olga' }, totalCents: 15000 + 5000 + 2000 });
    expect(await cli(['statement', 'verify', '2026-10'])).toMatchObject({ code: 0, out: expect.stringMatching(/all 1 statement/) });
    const file = join(dir, 'bundle.json');
    expect((await cli(['statement', 'export-evidence', '2026-10', '--out', file])).code).toBe(0);
    const noDb = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    expect(await cli(['statement', 'verify', '--bundle', file], noDb)).toMatchObject({ code: 0 });
    writeFileSync(file, readFileSync(file, 'utf8').replace('\\"totalCents\\":22000', '\\"totalCents\\":22001'));
    const bad = await cli(['statement', 'verify', '--bundle', file], noDb);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/1 of 1 statement\(s\) differ/);
    expect(bad.out).toMatch(/"path": "totalCents"/);
  });

  it('refuses to run with a policy that changes a closed month, and lists every problem of an invalid one', async () => {
    const edited = join(dir, 'edited.yaml');
    writeFileSync(edited, readFileSync(DEFAULT_POLICY_FILE, 'utf8').replace('amountCents: 15000', 'amountCents: 16000'));
    const r = await cli(['statement', 'verify', '2026-10'], { TIMMY_PAY_POLICY_FILE: edited });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /FLEET_PAY_POLICY_INVALID: .*\n.*version 2026-01 was in force in a closed month \(through 2026-10\) and cannot change/,
    );
    const invalid = join(dir, 'invalid.yaml');
    writeFileSync(
      invalid,
      readFileSync(DEFAULT_POLICY_FILE, 'utf8')
        .replace('amountCents: 15000', 'amountCents: -1')
        .replace('withinMinutes: 30', 'withinMinutes: 0'),
    );
    const i = await cli(['month', 'close', '2026-11'], { TIMMY_PAY_POLICY_FILE: invalid });
    expect(i.code).toBe(1);
    expect(i.out).toMatch(/versions\[0\]\.lines\[0\]\.amountCents/);
    expect(i.out).toMatch(/versions\[0\]\.lines\[4\]\.withinMinutes/);
  });

  it('imports tasks from a CSV file (idempotent), hands a node over and shows its transfers', async () => {
    const file = join(dir, 'tasks.csv');
    writeFileSync(file, 'source_id,operator,month,assigned,completed\nt-2026-11,olga,2026-11,10,10\n');
    expect(await cli(['tasks', 'import', file])).toMatchObject({ code: 0, out: 'imported 1 row(s)' });
    expect(await cli(['tasks', 'import', file])).toMatchObject({ code: 0, out: 'imported 0 row(s); 1 imported before, unchanged' });
    writeFileSync(file, 'source_id,operator,month,assigned,completed\nt-2026-10,olga,2026-10,10,10\n');
    expect(await cli(['tasks', 'import', file])).toMatchObject({ code: 1, out: expect.stringMatching(/FLEET_MONTH_CLOSED/) });
    expect((await cli(['ownership', 'transfer', 'o1', '--to', 'none', '--reason', 'retired'])).code).toBe(0);
    const shown = await cli(['ownership', 'show', 'o1']);
    expect(shown.out.split('\n').map((l) => l.split(/\s+/)[1])).toEqual(['olga', '(nobody)']);
  });

  it('refuses a close before the month is over and settled', async () => {
    const thisMonth = new Date().toISOString().slice(0, 7);
    expect(await cli(['month', 'close', thisMonth])).toMatchObject({ code: 1, out: expect.stringMatching(/FLEET_MONTH_NOT_SETTLED/) });
  });
});

describe('timmy-collector tier-proposals', () => {
  it('lists the promotions and termination risks as of a month', async () => {
    const petra = await operator(db.sql, 'petra', '2026-03-01');
    await intervals(db.sql, await node(db.sql, 'p1', petra, '2026-03-01'), [['UP', '2026-03-01', '2026-09-01']]);
    const r = await cli(['tier-proposals', '--month', '2026-08']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^petra \(certified\): promotion to senior: 6 months at or above 99\.7 %/m);
    expect(r.out).not.toMatch(/^olga/m);
    expect((await cli(['tier-proposals', '--month', '2026-8'])).code).not.toBe(0);
  });
});

describe('timmy-collector pay estimate --partner', () => {
  it("prints a partner's commission for a month; an unknown partner is FLEET_NOT_FOUND", async () => {
    const [pia] = await db.sql<{ id: number }[]>`
      insert into partners (name, referral_code, created_by) values ('pia', 'PIA1', 'test') returning id::float8 as id`;
    await db.sql`insert into referrals (partner_id, operator_id, referred_at, recorded_by)
      select ${pia!.id}, id, '2025-12-20', 'test' from operators where name = 'olga'`;
    const r = await cli(['pay', 'estimate', '--partner', 'pia', '--month', '2026-11']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^pia 2026-11 \(final\): \d+¢/);
    expect(await cli(['pay', 'estimate', '--partner', 'nobody'])).toMatchObject({
      code: 1,
      out: expect.stringMatching(/FLEET_NOT_FOUND: no partner nobody/),
    });
    expect((await cli(['pay', 'estimate', 'olga', '--partner', 'pia'])).code).toBe(2);
  });
});
