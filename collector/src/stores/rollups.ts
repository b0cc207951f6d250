/** The hourly metric rollups as read back: each node's resource use over a period. */
import type postgres from 'postgres';

/** A node's resource use over a period (null: no figure in it). */
export interface NodeUsage {
  load1Avg: number | null;
  memPctAvg: number | null;
  diskPctMax: number | null;
}

/** Resource use per node over the complete hours in [from, to), from the hourly rollups. */
export async function usageByNode(sql: postgres.ISql, from: number, to: number): Promise<Map<number, NodeUsage>> {
  const rows = await sql<(NodeUsage & { nodeId: string })[]>`
    select node_id::int8 as "nodeId", round(avg(load1_avg)::numeric, 2)::float8 as "load1Avg",
      round(avg(mem_pct_avg)::numeric, 2)::float8 as "memPctAvg", round(max(disk_pct_max)::numeric, 2)::float8 as "diskPctMax"
    from metric_rollup_minutes where hour >= ${new Date(from)} and hour < ${new Date(to)} group by node_id`;
  return new Map(rows.map((r) => [Number(r.nodeId), { load1Avg: r.load1Avg, memPctAvg: r.memPctAvg, diskPctMax: r.diskPctMax }]));
}
