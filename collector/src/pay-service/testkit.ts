/**
 * Test fixtures for the pay service: the README's worked example (April 2027) written into a real
 * database as the collector would have stored it: operators, nodes, state intervals, a maintenance
 * window, incidents. Used by the tests only.
 */
import type postgres from 'postgres';

export const at = (iso: string): Date => new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);

/** A node's intervals: [state, start, end or null (open)], contiguous. */
export async function intervals(sql: postgres.Sql, nodeId: number, pieces: Array<[string, string, string | null]>): Promise<void> {
  const cause = (s: string) => (s === 'UP' ? 'heartbeat' : s === 'DOWN' ? 'missed_heartbeats' : 'not_observing');
  await sql`insert into state_intervals ${sql(
    pieces.map(([state, s, e]) => ({
      node_id: nodeId,
      state,
      start_at: at(s),
      end_at: e === null ? null : at(e),
      cause: cause(state),
      evidence: {},
    })),
  )}`;
}

export async function operator(sql: postgres.Sql, name: string, startedAt: string, tier = 'certified'): Promise<number> {
  const [r] = await sql<{ id: number }[]>`
    insert into operators (name, tier, started_at) values (${name}, ${tier}, ${at(startedAt)}) returning id::float8 as id`;
  return r!.id;
}

export async function node(sql: postgres.Sql, name: string, operatorId: number, createdAt: string): Promise<number> {
  const [r] = await sql<{ id: number }[]>`
    insert into nodes (name, operator_id, created_at) values (${name}, ${operatorId}, ${at(createdAt)}) returning id::float8 as id`;
  return r!.id;
}

export async function incident(
  sql: postgres.Sql,
  id: string,
  node: string,
  operator: string,
  openedAt: string,
  ackAt: string | null,
  severity = 'P2',
) {
  await sql`insert into incidents (id, key, severity, status, summary, scope_type, operator_ids, regions, opened_at, acknowledged_at)
    values (${id}, ${`node:${node}`}, ${severity}, 'resolved', ${`${node} down`}, 'node', ${sql.json([operator])}, ${sql.json([])}, ${at(openedAt)}, ${ackAt ? at(ackAt) : null})`;
  await sql`insert into incident_nodes (node_name, incident_id, operator_id, region, added_at) values (${node}, ${id}, ${operator}, '-', ${at(openedAt)})`;
}

/**
 * The README example: alice (certified, active since 2026-10-01) owns n1-n6 all April 2027 until
 * she hands n6 to bob on April 16 (done by the caller through the service); n3 DOWN 9 000 s and in a
 * declared maintenance window 7 200 s, n4 UNKNOWN 3 600 s, everything else UP; inc-17 acknowledged
 * after 12 min, inc-23 after 41 min. Partner pat referred both.
 */
export async function readmeExample(sql: postgres.Sql) {
  const alice = await operator(sql, 'alice', '2026-10-01');
  const bob = await operator(sql, 'bob', '2027-01-01');
  const ids: Record<string, number> = {};
  for (const n of ['n1', 'n2', 'n3', 'n4', 'n5', 'n6']) ids[n] = await node(sql, n, alice, '2027-03-01');
  for (const n of ['n1', 'n2', 'n5', 'n6']) await intervals(sql, ids[n]!, [['UP', '2027-03-01', null]]);
  await intervals(sql, ids.n3!, [
    ['UP', '2027-03-01', '2027-04-10T10:00:00Z'],
    ['DOWN', '2027-04-10T10:00:00Z', '2027-04-10T12:30:00Z'],
    ['UP', '2027-04-10T12:30:00Z', null],
  ]);
  await intervals(sql, ids.n4!, [
    ['UP', '2027-03-01', '2027-04-22T03:00:00Z'],
    ['UNKNOWN', '2027-04-22T03:00:00Z', '2027-04-22T04:00:00Z'],
    ['UP', '2027-04-22T04:00:00Z', null],
  ]);
  await sql`insert into maintenance_windows (scope, target, starts_at, ends_at, declared_by, reason, created_at)
    values ('node', ${String(ids.n3)}, ${at('2027-04-04T02:00:00Z')}, ${at('2027-04-04T04:00:00Z')}, 'alice', 'kernel upgrade', ${at('2027-04-01')})`;
  await incident(sql, 'inc-17', 'n1', 'alice', '2027-04-08T03:00:00Z', '2027-04-08T03:12:00Z');
  await incident(sql, 'inc-23', 'n2', 'alice', '2027-04-19T22:00:00Z', '2027-04-19T22:41:00Z');
  // Partner pat referred both (certified operators: qualifying referrals).
  const [pat] = await sql<{ id: number }[]>`
    insert into partners (name, referral_code, created_by) values ('pat', 'PAT1', 'test') returning id::float8 as id`;
  for (const [op, on] of [
    [alice, '2026-09-20'],
    [bob, '2026-12-15'],
  ] as const)
    await sql`insert into referrals (partner_id, operator_id, referred_at, recorded_by) values (${pat!.id}, ${op}, ${at(on)}, 'test')`;
  return { alice, bob, ids };
}
