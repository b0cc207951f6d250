/**
 * What /metrics reads at scrape time: every node in service with its current figures, every check's
 * latest status, and the active operators' tiers. The node and check rows arrive as tuples in one JSON
 * value: postgres.js decodes a result column by column, which for the tens of thousands of node and
 * check rows cost more than writing the exposition; one json_agg value is parsed natively at once.
 */
import type postgres from 'postgres';
import type { operators } from '../db/schema/index.ts';

/** A node in service: `operator` and `region` are '' when there is none, `regionOrNull` the region as stored. */
export type NodeGaugeRow = [
  id: number,
  name: string,
  operator: string,
  region: string,
  state: string | null,
  lastHbMs: number | null,
  skewMs: number | null,
  operatorId: number | null,
  regionOrNull: string | null,
];
export type CheckGaugeRow = [nodeId: number, check: string, probe: string, status: string];

/** A query's rows as one JSON array (each row a `row` json value built by the query). */
async function jsonRows<R>(sql: postgres.ISql, query: postgres.PendingQuery<postgres.Row[]>): Promise<R[]> {
  const [r] = await sql<{ rows: R[] }[]>`select coalesce(json_agg(q.row), '[]') as rows from (${query}) q`;
  return r!.rows;
}

export function nodeGaugeRows(sql: postgres.ISql): Promise<NodeGaugeRow[]> {
  return jsonRows<NodeGaugeRow>(
    sql,
    sql`
      select json_build_array(n.id, n.name, coalesce(o.name, ''), coalesce(n.region, ''), n.current_state, floor(extract(epoch from n.last_hb_at) * 1000), n.clock_skew_ms, n.operator_id, n.region) as row
      from nodes n left join operators o on o.id = n.operator_id where n.decommissioned_at is null`,
  );
}

export function checkGaugeRows(sql: postgres.ISql): Promise<CheckGaugeRow[]> {
  return jsonRows<CheckGaugeRow>(sql, sql`select json_build_array(c.node_id, c.name, c.probe, c.status) as row from node_check_status c`);
}

export type OperatorTierRow = Pick<typeof operators.$inferSelect, 'name' | 'tier'>;

/** The active operators' names and tiers (the SLA target each is held to). */
export function activeOperatorTiers(sql: postgres.ISql): Promise<OperatorTierRow[]> {
  return sql<OperatorTierRow[]>`select name, tier from operators where status = 'active'`;
}
