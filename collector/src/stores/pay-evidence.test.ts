/** The pay evidence reads on a real PostgreSQL: who is paid in a month, intervals clipped per node, critical incidents per node, referrals. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedTestDatabase } from '../../../test/support/pg.ts';
import { at, incident, intervals, node, operator } from '../pay-service/testkit.ts';
import { incidentsOpenedIn, intervalsOfNodes, paidOperators, referralsAsOf } from './pay-evidence.ts';

let db: Awaited<ReturnType<typeof migratedTestDatabase>>;
const ids: Record<string, number> = {};
const APRIL = { from: at('2027-04-01').getTime(), to: at('2027-05-01').getTime() };

beforeAll(async () => {
  db = await migratedTestDatabase('pay_evidence_store');
  const sql = db.sql;
  ids.alice = await operator(sql, 'alice', '2026-10-01');
  ids.bob = await operator(sql, 'bob', '2027-06-01'); // starts after April
  ids.cleo = await operator(sql, 'cleo', '2026-01-01');
  await sql`update operators set lifecycle_state = 'exited', last_active_day = '2027-03-31' where id = ${ids.cleo}`;
  ids.dan = await operator(sql, 'dan', '2027-03-15');
  await sql`update operators set lifecycle_state = 'training' where id = ${ids.dan}`; // not paid yet
  ids.n1 = await node(sql, 'n1', ids.alice, '2027-03-01');
  ids.n2 = await node(sql, 'n2', ids.alice, '2027-03-01');
  await intervals(sql, ids.n1, [
    ['UP', '2027-03-01', '2027-04-10T10:00:00Z'],
    ['DOWN', '2027-04-10T10:00:00Z', '2027-04-10T12:30:00Z'],
    ['UP', '2027-04-10T12:30:00Z', null],
  ]);
  await intervals(sql, ids.n2, [['UP', '2027-03-01', '2027-03-20']]);
  await incident(sql, 'inc-1', 'n1', 'alice', '2027-04-08T03:00:00Z', '2027-04-08T03:12:00Z');
  await incident(sql, 'inc-p3', 'n1', 'alice', '2027-04-09T03:00:00Z', null, 'P3');
  await incident(sql, 'inc-march', 'n1', 'alice', '2027-03-30T03:00:00Z', null);
  await incident(sql, 'inc-absorbed', 'n2', 'alice', '2027-04-11T03:00:00Z', null);
  await sql`update incidents set absorbed_into = 'inc-1' where id = 'inc-absorbed'`;
  await sql`insert into partners (name, referral_code, created_by) values ('pat', 'PAT1', 't'), ('quinn', 'Q1', 't')`;
  await sql`insert into referrals (partner_id, operator_id, referred_at, recorded_by)
    select p.id, o.id, '2026-09-20', 't' from partners p, operators o where p.name = 'pat' and o.name in ('alice', 'dan')`;
});
afterAll(async () => {
  await db?.drop();
});

describe('pay evidence reads', () => {
  it('paid operators: in a paid state, active before the month ends, not exited before it began', async () => {
    const q = { states: ['certified', 'exited'], end: new Date(APRIL.to), firstDay: '2027-04-01' };
    expect((await paidOperators(db.sql, q)).map((o) => o.name)).toEqual(['alice']);
    expect((await paidOperators(db.sql, { ...q, firstDay: '2027-03-01' })).map((o) => o.name)).toEqual(['alice', 'cleo']);
    const [alice] = await paidOperators(db.sql, { ...q, operator: 'alice' });
    expect(alice).toEqual({
      id: ids.alice,
      name: 'alice',
      tier: 'certified',
      lifecycle: 'certified',
      lastActiveDay: null,
      since: at('2026-10-01'),
    });
  });

  it('intervals: per node, clipped to the window, the open one ending at now; only the nodes asked for', async () => {
    const now = at('2027-04-20').getTime();
    const all = await intervalsOfNodes(db.sql, { nodeIds: undefined, ...APRIL, now });
    expect([...all.keys()]).toEqual([ids.n1!]); // n2's only interval ended in March
    expect(all.get(ids.n1!)!.map((i) => [i.state, new Date(i.start).toISOString(), new Date(i.end).toISOString()])).toEqual([
      ['UP', '2027-04-01T00:00:00.000Z', '2027-04-10T10:00:00.000Z'],
      ['DOWN', '2027-04-10T10:00:00.000Z', '2027-04-10T12:30:00.000Z'],
      ['UP', '2027-04-10T12:30:00.000Z', '2027-04-20T00:00:00.000Z'],
    ]);
    expect((await intervalsOfNodes(db.sql, { nodeIds: [ids.n2!], ...APRIL, now })).size).toBe(0);
  });

  it('incidents: of the severities asked, opened in the window, not absorbed; a row per node', async () => {
    const rows = await incidentsOpenedIn(db.sql, { ...APRIL, severities: ['P0', 'P1', 'P2'] });
    expect(rows).toEqual([
      {
        id: 'inc-1',
        severity: 'P2',
        openedMs: at('2027-04-08T03:00:00Z').getTime(),
        acknowledgedMs: at('2027-04-08T03:12:00Z').getTime(),
        node: 'n1',
      },
    ]);
  });

  it('referrals: every partner, one with none too; qualifying once the referred operator is certified', async () => {
    const rows = await referralsAsOf(db.sql, new Date(APRIL.to));
    expect(rows.map((r) => [r.partner, r.operator, r.qualifying])).toEqual([
      ['pat', 'alice', true],
      ['pat', 'dan', false],
      ['quinn', null, null],
    ]);
    expect((await referralsAsOf(db.sql, new Date(APRIL.to), 'quinn')).map((r) => r.partner)).toEqual(['quinn']);
  });
});
