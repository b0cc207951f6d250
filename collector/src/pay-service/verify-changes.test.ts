/**
 * `statement verify` against the database after the close: a month whose stored statements still
 * recompute byte for byte, but whose intervals were rewritten after the close, fails verification
 * and names the node and every field that changed (service and CLI, on a real PostgreSQL).
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { migratedTestDatabase } from '../../../test/support/pg.ts';
import { runCli } from '../cli.ts';
import { PayService } from './service.ts';
import { at, readmeExample } from './testkit.ts';

let db: Awaited<ReturnType<typeof migratedTestDatabase>>;
let pay: PayService;
let n3 = 0;

beforeAll(async () => {
  db = await migratedTestDatabase('pay_verify_changes');
  pay = new PayService(db.sql, { settleDelayS: 3600, disputeDays: 14 }, () => at('2027-05-01T02:00:00Z').getTime());
  await pay.ready();
  n3 = (await readmeExample(db.sql)).ids.n3!;
  await pay.close('2027-04', 'admin');
});
afterAll(async () => {
  await db?.drop();
});

it('a closed month verifies while its evidence is unchanged; an interval rewritten after the close fails it, naming the node and the difference', async () => {
  expect(await pay.verify('2027-04')).toMatchObject({ ok: true, statements: 3, failed: [], changedSinceClose: [] });

  // n3's outage, 10:00-12:30 on April 10 when the month closed, now ends at 13:30 (a late sample settled, a hand edit).
  await db.sql.begin(async (tx) => {
    await tx`update state_intervals set end_at = ${at('2027-04-10T13:30:00Z')} where node_id = ${n3} and state = 'DOWN'`;
    await tx`update state_intervals set start_at = ${at('2027-04-10T13:30:00Z')} where node_id = ${n3} and start_at = ${at('2027-04-10T12:30:00Z')}`;
  });
  const v = await pay.verify('2027-04');
  expect(v.ok).toBe(false);
  expect(v.failed).toEqual([]); // the stored statements still recompute from their stored evidence
  expect(v.changedSinceClose).toEqual([
    {
      operator: 'alice',
      node: 'n3',
      storedDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
      currentDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
      differences: [
        // 30 days - 9 000 s down - 7 200 s maintenance = 2 575 800 s up at the close; an hour more down now.
        { path: 'spans[0].downSeconds', stored: 9000, recomputed: 12600 },
        { path: 'spans[0].upSeconds', stored: 2_575_800, recomputed: 2_572_200 },
      ],
    },
  ]);

  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  try {
    expect(await runCli(['statement', 'verify', '2027-04'], { DATABASE_URL: db.url, LOG_LEVEL: 'silent' })).toBe(1);
  } finally {
    log.mockRestore();
  }
  expect(out[0]).toBe('2027-04: all 3 statement(s) recomputed byte for byte');
  expect(out[1]).toMatch(/^2027-04: alice n3: evidence changed since the close \(sha256 [0-9a-f]{12} stored, [0-9a-f]{12} now\)$/);
  expect(out.slice(2)).toEqual(['  spans[0].downSeconds: stored 9000, now 12600', '  spans[0].upSeconds: stored 2575800, now 2572200']);
});
