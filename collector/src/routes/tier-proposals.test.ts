/**
 * Tier proposals through the API on a real database: each operator's monthly UP / DOWN seconds from
 * the stored intervals (as statements count them) and the shipped policy's eligibility rules
 * (certified → senior after 6 months at or above 99.7 %; below 97 %: a warning from the first month,
 * a termination risk at three in a row).
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';
import { at, intervals, node, operator } from '../pay-service/testkit.ts';

const ADMIN = 'admin-token-for-tests-0123456789';
const clock = new ManualClock(at('2026-07-05T00:00:00Z').getTime());
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
let sql: postgres.Sql;

beforeAll(async () => {
  db = await createTestDatabase('tier_proposals', { migrated: true });
  c = await testCollector(db.url, clock, { anonymousRead: false });
  sql = postgres(db.url, { max: 1, onnotice: () => {} });
  // steady: one hour down in March (99.87 %), up otherwise, January to June.
  await intervals(sql, await node(sql, 's1', await operator(sql, 'steady', '2026-01-01'), '2026-01-01'), [
    ['UP', '2026-01-01', '2026-03-10'],
    ['DOWN', '2026-03-10', '2026-03-10T01:00:00Z'],
    ['UP', '2026-03-10T01:00:00Z', '2026-07-01'],
  ]);
  // shaky: two days down in each of April, May and June (93.3 %, 93.5 %, 93.3 %).
  await intervals(sql, await node(sql, 'k1', await operator(sql, 'shaky', '2026-01-01'), '2026-01-01'), [
    ['UP', '2026-01-01', '2026-04-10'],
    ['DOWN', '2026-04-10', '2026-04-12'],
    ['UP', '2026-04-12', '2026-05-10'],
    ['DOWN', '2026-05-10', '2026-05-12'],
    ['UP', '2026-05-12', '2026-06-10'],
    ['DOWN', '2026-06-10', '2026-06-12'],
    ['UP', '2026-06-12', '2026-07-01'],
  ]);
});
afterAll(async () => {
  await sql?.end();
  await c?.close();
  await db?.drop();
});

const get = (url: string) => c.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN}` } });
type Answer = {
  operators: Array<{
    operator: string;
    history: Array<{ month: string }>;
    proposals: Array<{ type: string; to?: string; months: string[] }>;
  }>;
};
const proposals = (body: Answer) =>
  Object.fromEntries(
    body.operators.map((o) => [o.operator, o.proposals.map((p) => `${p.type}${p.to ? `→${p.to}` : ''} ${p.months.join(',')}`)]),
  );

describe('tier proposals', () => {
  it('six months at or above 99.7 %: a promotion; three months below 97 %: a termination risk', async () => {
    const r = await get('/v1/admin/tier-proposals?month=2026-06');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ month: '2026-06', policy: { id: 'per-operator' } });
    expect(proposals(r.json())).toEqual({
      shaky: ['termination_risk 2026-04,2026-05,2026-06'],
      steady: ['promotion→senior 2026-01,2026-02,2026-03,2026-04,2026-05,2026-06'],
    });
  });

  it('the first bad month is a warning; four months are not enough for a promotion', async () => {
    const r = await get('/v1/admin/tier-proposals?month=2026-04');
    expect(r.statusCode, r.body).toBe(200);
    expect(proposals(r.json())).toEqual({ shaky: ['termination_warning 2026-04'], steady: [] });
  });

  it('the monthly figures are the statement’s', async () => {
    const r = await get('/v1/admin/tier-proposals?month=2026-06');
    const shaky = r.json().operators.find((o: { operator: string }) => o.operator === 'shaky');
    const june = shaky.history.find((h: { month: string }) => h.month === '2026-06');
    const estimate = await get('/v1/operators/shaky/pay/estimate?month=2026-06');
    expect(estimate.statusCode, estimate.body).toBe(200);
    const uptime = estimate.json().statement.uptime;
    expect(june).toEqual({ month: '2026-06', upSeconds: uptime.upSeconds, downSeconds: uptime.downSeconds });
    expect(june.downSeconds).toBe(2 * 86_400);
  });

  it('refuses a month that is not YYYY-MM, and anyone without a token', async () => {
    expect((await get('/v1/admin/tier-proposals?month=2026-6')).json().code).toBe('FLEET_BAD_REQUEST');
    expect((await c.app.inject({ method: 'GET', url: '/v1/admin/tier-proposals?month=2026-06' })).statusCode).toBe(401);
  });
});
