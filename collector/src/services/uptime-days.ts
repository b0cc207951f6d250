/**
 * Daily uptime bars for a node (its intervals through the pure core: maintenance applied, cut into
 * days by sla/days.ts) and for groups (one aggregate query per set of days, stores/intervals.ts
 * dailyTotals). Per-region rows for the whole fleet (the status page, the region and fleet bars) are
 * cached: days before the last few change only through rare rewrites of history (a decommission dated
 * in the past), so they are recomputed every 10 minutes; the recent days (where late samples and the
 * settle job still move intervals) every 15 s. Either is recomputed behind the cached rows (services/
 * refreshing.ts): only the first read, or the first after midnight, waits for the database.
 */
import type postgres from 'postgres';
import type { DailyUptime, NodeDailyUptime, DayBar as WireDayBar } from '@timmy/shared';
import { thresholdFor, type Level, type Thresholds } from '../sla/budget.ts';
import {
  DAY_MS,
  dayBar,
  dayFigures,
  dayRatio,
  daysSpan,
  emptyDays,
  fillDays,
  splitDays,
  splitPastDays,
  type DayBar,
  type DayFiguresBar,
  type DayTotals,
} from '../sla/days.ts';
import { spansForNode } from '../sla/maintenance.ts';
import type { Interval } from '../sla/types.ts';
import { applyMaintenance } from '../sla/summary.ts';
import { dailyTotals, nodesIntervals, type DailyRow } from '../stores/intervals.ts';
import { loadMaintenance } from '../stores/maintenance.ts';
import { listSlaNodes, type SlaNode } from '../stores/nodes.ts';
import { resolveOperator } from '../stores/operators.ts';
import { Refreshing } from './refreshing.ts';
import { SMALL_GROUP } from './sla.ts';

export interface DaysView<B extends DayFiguresBar = DayBar> {
  level: Level;
  key: string | null;
  tier: string | null;
  thresholdPct: number;
  nodeCount: number;
  from: number;
  to: number;
  days: B[];
}

const bars = (days: DayTotals[], thresholdPct: number, nodes: number) => days.map((d) => dayBar(d, thresholdPct, { nodes }));

/** Each node's days cut from one read of their intervals and of the windows, over [from, to) (the pure path). */
async function readNodesDays(
  sql: postgres.ISql,
  nodes: readonly SlaNode[],
  from: number,
  to: number,
  now: number,
  cut: (intervals: Interval[]) => DayTotals[],
): Promise<Map<number, DayTotals[]>> {
  const [defs, intervals] = await Promise.all([
    loadMaintenance(sql, from, to),
    // The bars count time; what each interval recorded (its evidence) is not read.
    nodesIntervals(
      sql,
      nodes.map((n) => n.id),
      from,
      to,
      now,
      { evidence: false },
    ),
  ]);
  return new Map(nodes.map((n) => [n.id, cut(applyMaintenance(intervals.get(n.id) ?? [], spansForNode(defs, n, from, to)))]));
}

/**
 * Each node's state time per day over the last `days` UTC days up to `now` (maintenance applied, cut
 * into days: the pure path), by node id. With `past`, the days before the FRESH_DAYS newest come from
 * it (read once per node and kept: see PastNodeDays) and only the newest days are read now.
 */
async function nodesDayTotals(
  sql: postgres.ISql,
  nodes: readonly SlaNode[],
  now: number,
  days: number,
  past?: PastNodeDays,
): Promise<Map<number, DayTotals[]>> {
  const span = daysSpan(now, days);
  if (!past || days <= FRESH_DAYS) return readNodesDays(sql, nodes, span.start, now, now, (ivs) => splitDays(ivs, now, days));
  const freshStart = span.start + (days - FRESH_DAYS) * DAY_MS;
  const [old, recent] = await Promise.all([
    past.days(sql, nodes, span.start, freshStart, now),
    readNodesDays(sql, nodes, freshStart, now, now, (ivs) => splitDays(ivs, now, FRESH_DAYS)),
  ]);
  return new Map(nodes.map((n) => [n.id, [...old.get(n.id)!, ...recent.get(n.id)!]]));
}

/**
 * Nodes' day totals over days that are over (all but the FRESH_DAYS newest of a bar), kept per node for
 * `ttlMs` (10 minutes, as the region rows' older days: RegionDaysCache): they change only through rare
 * rewrites of history. An operator page's bars then read only the newest days of its nodes' intervals.
 * At most `maxNodes` nodes are kept (the oldest kept go first); a node read again after its time is read
 * again, with the others missing, in one read.
 */
export class PastNodeDays {
  private readonly held = new Map<number, { key: string; at: number; days: DayTotals[] }>();
  private readonly ttlMs: number;
  private readonly maxNodes: number;

  constructor(opts: { ttlMs?: number; maxNodes?: number } = {}) {
    this.ttlMs = opts.ttlMs ?? 600_000;
    this.maxNodes = opts.maxNodes ?? 5_000;
  }

  /** Each node's days of [from, to) (whole UTC days), as of `now`. */
  async days(sql: postgres.ISql, nodes: readonly SlaNode[], from: number, to: number, now: number): Promise<Map<number, DayTotals[]>> {
    const key = `${from}:${to}`;
    const out = new Map<number, DayTotals[]>();
    const missing: SlaNode[] = [];
    for (const n of nodes) {
      const h = this.held.get(n.id);
      if (h && h.key === key && now >= h.at && now - h.at < this.ttlMs) out.set(n.id, h.days);
      else missing.push(n);
    }
    if (missing.length === 0) return out;
    const count = Math.round((to - from) / DAY_MS);
    const read = await readNodesDays(sql, missing, from, to, now, (ivs) => splitPastDays(ivs, to, count));
    for (const [id, days] of read) {
      out.set(id, days);
      this.held.delete(id); // re-inserted last: the Map's order is the order of keeping
      this.held.set(id, { key, at: now, days });
    }
    for (const id of this.held.keys()) {
      if (this.held.size <= this.maxNodes) break;
      this.held.delete(id);
    }
    return out;
  }

  /** How many nodes' days are kept. */
  get size(): number {
    return this.held.size;
  }
}

/**
 * A node's view from its day totals, each day made a bar by `bar`: dayBar (with the day's words), or
 * dayRatio (without: a page of many nodes, whose words the console writes).
 */
function nodeView<B extends DayFiguresBar>(
  thresholds: Thresholds,
  n: SlaNode,
  totals: DayTotals[],
  now: number,
  days: number,
  bar: (d: DayTotals, thresholdPct: number) => B,
): DaysView<B> {
  const thresholdPct = thresholdFor('node', n.tier, thresholds);
  return {
    level: 'node',
    key: n.name,
    tier: n.tier,
    thresholdPct,
    nodeCount: 1,
    from: daysSpan(now, days).start,
    to: now,
    days: totals.map((d) => bar(d, thresholdPct)),
  };
}

/** One node's bars over the last `days` UTC days up to `now`. */
export async function nodeDays(sql: postgres.ISql, thresholds: Thresholds, node: SlaNode, now: number, days: number): Promise<DaysView> {
  return nodeView(thresholds, node, (await nodesDayTotals(sql, [node], now, days)).get(node.id)!, now, days, dayBar);
}

/** Day rows summed over nodes' day totals, in the shape dailyTotals answers (one per day, group null). */
function sumRows(nodes: Iterable<DayTotals[]>, now: number, days: number): DailyRow[] {
  const rows = emptyDays(now, days).map(
    (d): DailyRow => ({ group: null, start: d.start, upMs: 0, downMs: 0, unknownMs: 0, maintenanceMs: 0 }),
  );
  for (const node of nodes)
    node.forEach((d, i) => {
      const r = rows[i]!;
      r.upMs += d.upMs;
      r.downMs += d.downMs;
      r.unknownMs += d.unknownMs;
      r.maintenanceMs += d.maintenanceMs;
    });
  return rows;
}

/**
 * The bar of the operator named by `ref` (id or name; FLEET_NOT_FOUND), summed over its nodes in
 * service in the days (`nodeCount` of them), and the bars of the first `limit` of them. An operator of
 * at most SMALL_GROUP nodes from one read of its nodes' intervals (the pure path, node by node; summed,
 * equal to the aggregate SQL, which a larger one goes through).
 */
export async function operatorDays(
  sql: postgres.ISql,
  thresholds: Thresholds,
  ref: string,
  now: number,
  days: number,
  limit = 0,
  past?: PastNodeDays,
): Promise<{ operator: string; nodeCount: number; group: DaysView; nodes: DaysView<DayFiguresBar>[] }> {
  const op = await resolveOperator(sql, ref);
  const nodes = await listSlaNodes(sql, { operatorId: op.id, inServiceAfter: daysSpan(now, days).start });
  const small = nodes.length <= SMALL_GROUP;
  const shown = nodes.slice(0, limit);
  const read = small ? nodes : shown;
  const totals = read.length ? await nodesDayTotals(sql, read, now, days, past) : new Map<number, DayTotals[]>();
  const rows = small ? sumRows(totals.values(), now, days) : undefined;
  const group = await groupDays(sql, thresholds, { level: 'operator', key: op.name, tier: op.tier, nodes }, now, days, rows);
  return {
    operator: op.name,
    nodeCount: nodes.length,
    group,
    // Without the days' words: the console writes them (4,500 sentences for 50 nodes' 90 days the wire leaves out).
    nodes: shown.map((n) => nodeView(thresholds, n, totals.get(n.id)!, now, days, dayRatio)),
  };
}

/** The start of each of the last `days` UTC days. */
export const dayStarts = (now: number, days: number): number[] => emptyDays(now, days).map((d) => d.start);

/**
 * A group's bars from database rows (summed over the nodes asked for). `nodes`: the group's nodes, or
 * just how many there are when no read needs their ids (the fleet's, or `rows` given).
 */
export async function groupDays(
  sql: postgres.ISql,
  thresholds: Thresholds,
  g: { level: Exclude<Level, 'node'>; key: string | null; tier: string | null; nodes: ReadonlyArray<Pick<SlaNode, 'id'>> | number },
  now: number,
  days: number,
  rows?: DailyRow[],
): Promise<DaysView> {
  const span = daysSpan(now, days);
  const nodeIds = () => {
    if (typeof g.nodes === 'number') throw new Error(`groupDays: the ${g.level}'s node ids are needed to read its rows`);
    return g.nodes.map((n) => n.id);
  };
  const data =
    rows ??
    (await dailyTotals(sql, {
      dayStarts: dayStarts(now, days),
      now,
      maintenance: await loadMaintenance(sql, span.start, now),
      ...(g.level === 'fleet' ? {} : { nodeIds: nodeIds() }),
    }));
  const thresholdPct = thresholdFor(g.level, g.tier, thresholds);
  const nodeCount = typeof g.nodes === 'number' ? g.nodes : g.nodes.length;
  return {
    level: g.level,
    key: g.key,
    tier: g.tier,
    thresholdPct,
    nodeCount,
    from: span.start,
    to: now,
    days: bars(fillDays(data, now, days, nodeCount), thresholdPct, nodeCount),
  };
}

/** How many of the newest days are always read fresh (late samples settle up to the raw retention, 48 h). */
export const FRESH_DAYS = 3;

/** Per-region day rows of the whole fleet, cached (see the file's comment): the older days 10 minutes, the newest 15 s. */
export class RegionDaysCache {
  private readonly stable: Refreshing<DailyRow[]>;
  private readonly fresh: Refreshing<DailyRow[]>;
  private wanted: { starts: number[]; split: number } = { starts: [], split: 0 };

  constructor(sql: postgres.ISql, opts: { stableTtlMs?: number; freshTtlMs?: number } = {}) {
    const read = async (starts: number[], now: number) =>
      dailyTotals(sql, { dayStarts: starts, now, maintenance: await loadMaintenance(sql, starts[0] ?? now, now), byRegion: true });
    this.stable = new Refreshing(opts.stableTtlMs ?? 600_000, (now) => read(this.wanted.starts.slice(0, this.wanted.split), now));
    this.fresh = new Refreshing(opts.freshTtlMs ?? 15_000, (now) => read(this.wanted.starts.slice(this.wanted.split), now));
  }

  /** Rows per (region, day) for the last `days` days up to `now` (group: the region, null for none). */
  async rows(now: number, days: number): Promise<DailyRow[]> {
    const starts = dayStarts(now, days);
    const split = Math.max(0, starts.length - FRESH_DAYS);
    this.wanted = { starts, split };
    const [old, recent] = await Promise.all([
      this.stable.get(now, `${starts[0]}:${starts[split]}`),
      this.fresh.get(now, `${starts[split]}:${starts.length}`),
    ]);
    return [...old.v, ...recent.v];
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The wire shape of a view (seconds, ISO times). */
export function daysView(v: DaysView): DailyUptime {
  return { ...viewHead(v), days: v.days.map(dayView) };
}

/** The wire shape of a node's view among many (its days without words). */
export function nodeDaysView(v: DaysView<DayFiguresBar>): NodeDailyUptime {
  return { ...viewHead(v), days: v.days.map((d) => dayFigures(d, d.ratio, d.meetsThreshold)) };
}

const viewHead = (v: DaysView<DayFiguresBar>): Omit<DailyUptime, 'days'> => ({
  level: v.level,
  key: v.key,
  tier: v.tier,
  thresholdPct: v.thresholdPct,
  nodeCount: v.nodeCount,
  from: iso(v.from),
  to: iso(v.to),
});

export const dayView = (d: DayBar): WireDayBar => ({ ...dayFigures(d, d.ratio, d.meetsThreshold), summary: d.summary });
