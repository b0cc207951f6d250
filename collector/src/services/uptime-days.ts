/**
 * Daily uptime bars for a node (its intervals through the pure core: maintenance applied, cut into
 * days by sla/days.ts) and for groups (one aggregate query per set of days, stores/intervals.ts
 * dailyTotals). Per-region rows for the whole fleet (the status page, the region and fleet bars) are
 * cached: days before the last few change only through rare rewrites of history (a decommission dated
 * in the past), so they are recomputed every 10 minutes; the recent days (where late samples and the
 * settle job still move intervals) at every read.
 */
import type postgres from 'postgres';
import type { DailyUptime, DayBar as WireDayBar } from '@timmy/shared';
import { thresholdFor, type Level, type Thresholds } from '../sla/budget.ts';
import { dayBar, daysSpan, emptyDays, fillDays, splitDays, type DayBar, type DayTotals } from '../sla/days.ts';
import { spansForNode } from '../sla/maintenance.ts';
import { applyMaintenance } from '../sla/summary.ts';
import { dailyTotals, nodeIntervals, type DailyRow } from '../stores/intervals.ts';
import { loadMaintenance } from '../stores/maintenance.ts';
import type { SlaNode } from '../stores/nodes.ts';

export interface DaysView {
  level: Level;
  key: string | null;
  tier: string | null;
  thresholdPct: number;
  nodeCount: number;
  from: number;
  to: number;
  days: DayBar[];
}

const bars = (days: DayTotals[], thresholdPct: number, nodes: number) => days.map((d) => dayBar(d, thresholdPct, { nodes }));

/** One node's bars over the last `days` UTC days up to `now`. */
export async function nodeDays(sql: postgres.ISql, thresholds: Thresholds, node: SlaNode, now: number, days: number): Promise<DaysView> {
  const span = daysSpan(now, days);
  const defs = await loadMaintenance(sql, span.start, now);
  const maintenance = spansForNode(defs, node, span.start, now);
  const intervals = applyMaintenance(await nodeIntervals(sql, node.id, span.start, now, now), maintenance);
  const thresholdPct = thresholdFor('node', node.tier, thresholds);
  return {
    level: 'node',
    key: node.name,
    tier: node.tier,
    thresholdPct,
    nodeCount: 1,
    from: span.start,
    to: now,
    days: bars(splitDays(intervals, now, days), thresholdPct, 1),
  };
}

/** The start of each of the last `days` UTC days. */
export const dayStarts = (now: number, days: number): number[] => emptyDays(now, days).map((d) => d.start);

/** A group's bars from database rows (summed over the nodes asked for). */
export async function groupDays(
  sql: postgres.ISql,
  thresholds: Thresholds,
  g: { level: Exclude<Level, 'node'>; key: string | null; tier: string | null; nodes: SlaNode[] },
  now: number,
  days: number,
  rows?: DailyRow[],
): Promise<DaysView> {
  const span = daysSpan(now, days);
  const data =
    rows ??
    (await dailyTotals(sql, {
      dayStarts: dayStarts(now, days),
      now,
      maintenance: await loadMaintenance(sql, span.start, now),
      ...(g.level === 'fleet' ? {} : { nodeIds: g.nodes.map((n) => n.id) }),
    }));
  const thresholdPct = thresholdFor(g.level, g.tier, thresholds);
  return {
    level: g.level,
    key: g.key,
    tier: g.tier,
    thresholdPct,
    nodeCount: g.nodes.length,
    from: span.start,
    to: now,
    days: bars(fillDays(data, now, days, g.nodes.length), thresholdPct, g.nodes.length),
  };
}

/** How many of the newest days are always read fresh (late samples settle up to the raw retention, 48 h). */
export const FRESH_DAYS = 3;

/** Per-region day rows of the whole fleet, the older days cached (see the file's comment). */
export class RegionDaysCache {
  private stable: { first: number; split: number; at: number; rows: DailyRow[] } | null = null;
  private pending: Promise<DailyRow[]> | null = null;
  private readonly sql: postgres.ISql;
  readonly stableTtlMs: number;

  constructor(sql: postgres.ISql, opts: { stableTtlMs?: number } = {}) {
    this.sql = sql;
    this.stableTtlMs = opts.stableTtlMs ?? 600_000;
  }

  /** Rows per (region, day) for the last `days` days up to `now` (group: the region, null for none). */
  async rows(now: number, days: number): Promise<DailyRow[]> {
    const starts = dayStarts(now, days);
    const split = Math.max(0, starts.length - FRESH_DAYS);
    const maintenance = await loadMaintenance(this.sql, starts[0]!, now);
    const s = this.stable;
    if (!s || s.first !== starts[0] || s.split !== starts[split] || now - s.at > this.stableTtlMs || now < s.at) {
      this.pending ??= dailyTotals(this.sql, { dayStarts: starts.slice(0, split), now, maintenance, byRegion: true }).finally(() => {
        this.pending = null;
      });
      const rows = await this.pending;
      this.stable = { first: starts[0]!, split: starts[split] ?? now, at: now, rows };
    }
    const fresh = await dailyTotals(this.sql, { dayStarts: starts.slice(split), now, maintenance, byRegion: true });
    return [...this.stable!.rows, ...fresh];
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
const sec = (ms: number) => ms / 1000;

/** The wire shape of a view (seconds, ISO times). */
export function daysView(v: DaysView): DailyUptime {
  return {
    level: v.level,
    key: v.key,
    tier: v.tier,
    thresholdPct: v.thresholdPct,
    nodeCount: v.nodeCount,
    from: iso(v.from),
    to: iso(v.to),
    days: v.days.map(dayView),
  };
}

export const dayView = (d: DayBar): WireDayBar => ({
  day: d.day,
  upSeconds: sec(d.upMs),
  downSeconds: sec(d.downMs),
  unknownSeconds: sec(d.unknownMs),
  maintenanceSeconds: sec(d.maintenanceMs),
  noDataSeconds: sec(d.noDataMs),
  ratio: d.ratio,
  meetsThreshold: d.meetsThreshold,
  summary: d.summary,
});
