/** Reading uptime: stored intervals clipped to a window, summed by the pure `summarize`. */
import type postgres from 'postgres';
import { summarize, type UptimeSummary } from '../sla/summary.ts';
import type { Interval, IntervalCause, UptimeState } from '../sla/types.ts';

export async function nodeIntervals(sql: postgres.Sql, nodeId: number, from: number, to: number, now: number): Promise<Interval[]> {
  const rows = await sql`
    select state, start_at, coalesce(end_at, ${new Date(now)}) as end_at, cause, evidence
    from state_intervals
    where node_id = ${nodeId} and start_at < ${new Date(to)} and coalesce(end_at, ${new Date(now)}) > ${new Date(from)}
    order by start_at`;
  return rows.map((r) => ({
    state: r.state as UptimeState,
    start: Math.max((r.start_at as Date).getTime(), from),
    end: Math.min((r.end_at as Date).getTime(), to, now),
    cause: r.cause as IntervalCause,
    evidence: r.evidence as Record<string, unknown>,
  })).filter((iv) => iv.end > iv.start);
}

export async function nodeUptime(sql: postgres.Sql, nodeId: number, from: number, to: number, now: number): Promise<{ summary: UptimeSummary; intervals: Interval[] }> {
  const end = Math.min(to, now);
  const intervals = await nodeIntervals(sql, nodeId, from, end, now);
  return { summary: summarize(intervals, from, end), intervals };
}

export interface StateTotals {
  upMs: number;
  downMs: number;
  unknownMs: number;
  maintenanceMs: number;
}

/** Per-node totals over [from, to) for every node, in one aggregate query (no interval rows leave the database). */
export async function fleetTotals(sql: postgres.Sql, from: number, to: number, now: number): Promise<Map<number, StateTotals>> {
  const end = new Date(Math.min(to, now));
  const rows = await sql`
    select node_id::int8 as node_id, state,
      sum(extract(epoch from (least(coalesce(end_at, ${end}), ${end}) - greatest(start_at, ${new Date(from)})))) * 1000 as ms
    from state_intervals
    where start_at < ${end} and (end_at is null or end_at > ${new Date(from)})
    group by node_id, state`;
  const out = new Map<number, StateTotals>();
  for (const r of rows) {
    const id = Number(r.node_id);
    const t = out.get(id) ?? { upMs: 0, downMs: 0, unknownMs: 0, maintenanceMs: 0 };
    const v = Math.max(0, Number(r.ms));
    if (r.state === 'UP') t.upMs += v;
    else if (r.state === 'DOWN') t.downMs += v;
    else if (r.state === 'UNKNOWN') t.unknownMs += v;
    else t.maintenanceMs += v;
    out.set(id, t);
  }
  return out;
}

export const ratioOf = (t: StateTotals): number | null => (t.upMs + t.downMs > 0 ? t.upMs / (t.upMs + t.downMs) : null);
