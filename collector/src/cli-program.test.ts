/**
 * The program commands of the collector CLI against a real database: people and tokens (the issued
 * token then used on the API), applications (queue, review, approve, reject) and lifecycle moves with
 * their errors and exit codes.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createTestDatabase } from '../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../test/support/harness.ts';
import { runCli } from './cli.ts';
import { sampleApplication } from './program/testkit.ts';
import type { OperatorApplication } from './program/application.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
const clock = new ManualClock(Date.now());

beforeAll(async () => {
  db = await createTestDatabase('cli_program', { migrated: true });
  c = await testCollector(db.url, clock, { anonymousRead: false });
});
afterAll(async () => {
  await c?.close();
  await db?.drop();
});

it('person add, token issue (printed once), token list (never the token), token revoke; the token works on the API until revoked', async () => {
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const env = { DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
  try {
    expect(await runCli(['person', 'add', 'fin', '--role', 'finance'], env)).toBe(0);
    expect(await runCli(['person', 'add', 'x', '--role', 'emperor'], env)).toBe(1);
    expect(await runCli(['token', 'issue', 'fin', '--label', 'laptop', '--ttl-days', '30'], env)).toBe(0);
    const token = out.join('\n').match(/tfp_[0-9A-Za-z]{36}/)![0];
    const me = await c.app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.json()).toMatchObject({ role: 'finance', person: { name: 'fin' } });
    out.length = 0;
    expect(await runCli(['token', 'list', '--person', 'fin'], env)).toBe(0);
    expect(out.join('\n')).toContain(token.slice(0, 8));
    expect(out.join('\n')).not.toContain(token);
    const id = out[0]!.trim().split(/\s+/)[0]!;
    expect(await runCli(['token', 'revoke', id], env)).toBe(0);
    clock.now = Date.now(); // the CLI revoked on the wall clock
    expect((await c.app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
  } finally {
    log.mockRestore();
  }
});

/** One CLI run: its exit code and what it printed on stdout and stderr. */
async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    const code = await runCli(args, { DATABASE_URL: db.url, LOG_LEVEL: 'silent' });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** The sample application on Debian 12 (a reviewer's note: not the preferred OS) with no referral code. */
const withoutReferral = (a: OperatorApplication) => {
  delete a.referralCode;
  a.server.os = 'Debian 12';
};

it('applications: the queue, a review, approve step by step (the exam with its score), reject with a reason code; every move in the history', async () => {
  const submitted = await c.app.inject({ method: 'POST', url: '/v1/applications', payload: sampleApplication(withoutReferral) });
  expect(submitted.statusCode, submitted.body).toBe(201);
  const { id, operator } = submitted.json() as { id: number; operator: string };
  const second = (await c.app.inject({ method: 'POST', url: '/v1/applications', payload: sampleApplication(withoutReferral) })).json() as {
    id: number;
    operator: string;
  };

  const queue = await cli('application', 'list');
  expect(queue.code).toBe(0);
  expect(queue.out).toMatch(new RegExp(`^\\s*${id}\\s+${operator}\\s+application\\s+eu-central`, 'm'));
  const shown = await cli('application', 'show', String(id));
  expect(shown.code).toBe(0);
  expect(shown.out).toContain(`application ${id}: ${operator} (application since`);
  expect(shown.out).toContain('[os_not_preferred]'); // the reviewer's note: Debian, not Ubuntu 22.04
  expect(shown.out).toContain('moves allowed now: start-screening, reject');

  for (const step of ['screening', 'technical_review', 'training', 'exam']) {
    const r = await cli('application', 'approve', String(id), '--reason', `${step} ok`);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`→ ${step}`);
  }
  const noScore = await cli('application', 'approve', String(id), '--reason', 'exam');
  expect(noScore).toMatchObject({ code: 1 });
  expect(noScore.err).toContain("FLEET_BAD_REQUEST: record-exam needs --score P (the exam's score in percent; 80 passes)");
  expect((await cli('application', 'approve', String(id), '--reason', 'exam', '--score', '86')).out).toContain('exam → probation');
  const done = await cli('application', 'approve', String(id), '--reason', 'again');
  expect(done.code).toBe(1);
  expect(done.err).toContain(`FLEET_CONFLICT: application ${id} (${operator}) is in state probation`);
  expect((await cli('application', 'list')).out).not.toContain(operator); // out of the queue
  expect((await cli('application', 'list', '--all')).out).toContain(operator);

  const badCode = await cli('application', 'reject', String(second.id), '--code', 'too_tall', '--reason', 'no');
  expect(badCode.code).toBe(1);
  expect(badCode.err).toMatch(/FLEET_BAD_REQUEST: reject needs --code, one of: incomplete_application, .*no_capacity \(not "too_tall"\)/);
  const rejected = await cli('application', 'reject', String(second.id), '--code', 'no_capacity', '--reason', 'region full');
  expect(rejected.code, rejected.err).toBe(0);
  expect(rejected.out).toContain(`${second.operator}: application → rejected (reject by cli:`);
  expect((await cli('application', 'funnel')).out).toContain('rejected: no_capacity 1');
  expect((await cli('application', 'show', '999999')).err).toContain('FLEET_NOT_FOUND: no application 999999');

  const history = await cli('operator', 'lifecycle', operator);
  expect(history.code).toBe(0);
  expect(history.out).toContain(`${operator}: probation since`);
  expect(history.out).toMatch(/exam → probation {2}record-exam {2}by cli:\S+: exam/);
  expect(history.out.split('\n').filter((l) => l.includes(' → '))).toHaveLength(5);
});

it('operator moves: each event with its options, refusals listing every problem (exit 1), malformed commands (exit 2)', async () => {
  const { operator } = (
    await c.app.inject({ method: 'POST', url: '/v1/applications', payload: sampleApplication(withoutReferral) })
  ).json() as {
    operator: string;
  };
  // A move the lifecycle refuses from this state: the lifecycle's problems, with the FLEET_ code.
  const early = await cli('operator', 'suspend', operator, '--reason', 'late');
  expect(early.code).toBe(1);
  expect(early.err).toMatch(new RegExp(`^timmy-collector: FLEET_BAD_REQUEST: operator "${operator}" cannot suspend: .*\\[not_allowed`));
  const wrong = await cli('operator', 'suspend', operator, '--reason', 'x', '--score', '50');
  expect(wrong.err).toContain('FLEET_BAD_REQUEST: --score does not apply to suspend');
  expect((await cli('operator', 'fly', operator, '--reason', 'x')).err).toContain(
    'FLEET_BAD_REQUEST: no move "fly"; the moves: start-screening,',
  );
  expect((await cli('operator', 'record-exam', operator, '--reason', 'x', '--score', '120')).err).toContain(
    '--score must be a percentage from 0 to 100, not "120"',
  );
  expect((await cli('operator', 'exit', operator, '--reason', 'x', '--code', 'bored')).err).toMatch(
    /exit needs --last-active-day YYYY-MM-DD \(the last day paid\); exit --code is a termination reason, one of: uptime_below_threshold, .* \(not "bored"\)/,
  );
  expect((await cli('operator', 'start-screening', operator, '--reason', 'x', '--at', '2999-01-01T00:00:00Z')).err).toContain(
    'FLEET_BAD_REQUEST: --at: a move cannot be dated in the future',
  );
  expect((await cli('operator', 'lifecycle', 'no-such-operator')).err).toContain('FLEET_NOT_FOUND');
  const moved = await cli('operator', 'start_screening', operator, '--reason', 'looks good');
  expect(moved.code, moved.err).toBe(0);
  expect(moved.out).toContain(`${operator}: application → screening (start-screening by cli:`);
  expect(moved.out).toContain('next: pass-screening, reject');

  // Usage errors: exit 2 before any database work, with the command's usage.
  for (const args of [
    ['operator', 'suspend', operator],
    ['operator', 'lifecycle'],
    ['application', 'approve', '12'],
    ['application', 'reject', 'x', '--reason', 'r'],
    ['application', 'list', 'extra'],
  ]) {
    const r = await cli(...args);
    expect(r.code, args.join(' ')).toBe(2);
    expect(r.err).toMatch(/^timmy-collector: usage: (operator|application) /);
  }
  const help = await cli('--help');
  expect(help.code).toBe(0);
  expect(help.out).toContain('application approve <id> --reason R [--score P]');
  expect(help.out).toContain('operator <event> <operator> --reason R');
});
