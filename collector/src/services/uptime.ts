/**
 * Reading uptime: stored intervals clipped to a window, declared maintenance applied at read time,
 * summed by the pure core (sla/summary.ts, sla/budget.ts). Aggregates never move interval rows out of
 * the database: one grouped query per window, with maintenance subtracted in SQL (multiranges; see
 * stores/intervals.ts).
 */
import type postgres from 'postgres';
import { summarize, type UptimeSummary, applyMaintenance } from '../sla/summary.ts';
import type { MaintenanceDef, MaintenanceSpan } from '../sla/maintenance.ts';
import type { Totals } from '../sla/budget.ts';
import type { Interval } from '../sla/types.ts';
import { nodeIntervals, totalsByNode } from '../stores/intervals.ts';

// Read by /metrics and by tests under these names.
export { totalsByNode } from '../stores/intervals.ts';
export { loadMaintenance } from '../stores/maintenance.ts';

/** One node's summary over [from, min(to, now)), with the maintenance spans covering it applied. */
export async function nodeUptime(
  sql: postgres.ISql,
  nodeId: number,
  from: number,
  to: number,
  now: number,
  maintenance: readonly MaintenanceSpan[] = [],
): Promise<{ summary: UptimeSummary; intervals: Interval[] }> {
  const end = Math.min(to, now);
  const intervals = applyMaintenance(await nodeIntervals(sql, nodeId, from, end, now), maintenance);
  return { summary: summarize(intervals, from, Math.max(from, end)), intervals };
}

/** Per-node totals over [from, to) for every node (kept for callers without maintenance at hand). */
export async function fleetTotals(
  sql: postgres.ISql,
  from: number,
  to: number,
  now: number,
  maintenance: readonly MaintenanceDef[] = [],
): Promise<Map<number, Totals>> {
  return totalsByNode(sql, { from, to, now, maintenance });
}

export const ratioOf = (t: Totals): number | null => (t.upMs + t.downMs > 0 ? t.upMs / (t.upMs + t.downMs) : null);
