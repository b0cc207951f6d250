/**
 * SLA figures per node, operator, region and fleet: the window's uptime, the threshold, this month's
 * downtime budget and the month-end projection. Reads the database, then hands everything to the pure
 * core (sla/budget.ts, sla/maintenance.ts). Maintenance is applied at read time, everywhere.
 */
import type postgres from 'postgres';
import {
  aheadMs,
  addTotals,
  budget,
  monthOf,
  nodeFigures,
  ratioOfTotals,
  thresholdFor,
  ZERO_TOTALS,
  type Budget,
  type Level,
  type Thresholds,
  type Totals,
} from '../sla/budget.ts';
import { covers, spansForNode, type MaintenanceDef } from '../sla/maintenance.ts';
import { applyMaintenance, rolling30d, summarize } from '../sla/summary.ts';
import type { Interval, Span } from '../sla/types.ts';
import { nodeIntervals, nodesIntervals, totalsByNode } from '../stores/intervals.ts';
import { loadMaintenance } from '../stores/maintenance.ts';
import { listSlaNodes, type SlaNode } from '../stores/nodes.ts';

// The node list every figure starts from (the nodes store's), under the name the SLA callers use.
export { listSlaNodes };

/** The SLA thresholds of the configuration: each tier's percent and the fleet target. */
export function thresholdsOf(config: { sla: { tiers: Thresholds['tiers']; fleetTargetPct: number } }): Thresholds {
  return { tiers: config.sla.tiers, fleetTargetPct: config.sla.fleetTargetPct };
}

export interface Figures {
  totals: Totals & { untrackedMs?: number };
  ratio: number | null;
  thresholdPct: number;
  budget: Budget & { month: Span };
}

export interface Window {
  from: number;
  to: number;
  /** The calendar month the budget is for (a ?month= window's own month, else the month containing now). */
  month: Span;
}

/**
 * The time a read of window `w` needs: the window up to now, the budget's month (to its end: the time
 * ahead minus maintenance declared for it) and the rolling 30 days of the projection. Maintenance is
 * loaded and expanded over this span only, so a window asked far into the future costs nothing more.
 */
export function readSpan(w: Window, now: number): Span {
  const r30 = rolling30d(now);
  return { start: Math.min(w.from, w.month.start, r30.start), end: Math.max(Math.min(w.to, now), w.month.end, r30.end) };
}

/** One node: the window's summary (with intervals), its threshold, budget and projection. */
export async function nodeSla(sql: postgres.ISql, thresholds: Thresholds, node: SlaNode, w: Window, now: number) {
  const r30 = rolling30d(now);
  const { start: lo, end: hi } = readSpan(w, now);
  const defs = await loadMaintenance(sql, lo, hi);
  const maintenance = spansForNode(defs, node, lo, hi);
  const intervals: Interval[] = await nodeIntervals(sql, node.id, lo, Math.min(hi, now), now);
  const baseline = summarize(applyMaintenance(intervals, maintenance), r30.start, r30.end).ratio;
  const thresholdPct = thresholdFor('node', node.tier, thresholds);
  const f = nodeFigures({
    intervals,
    maintenance,
    window: { from: w.from, to: w.to },
    now,
    thresholdPct,
    month: w.month,
    baselineRatio: baseline,
  });
  const windowEnd = Math.max(w.from, Math.min(w.to, now));
  return {
    summary: f.summary,
    intervals: f.intervals.filter((i) => i.end > w.from && i.start < windowEnd),
    thresholdPct,
    budget: { ...f.budget, month: w.month },
  };
}

export interface GroupSla {
  level: Level;
  key: string | null;
  from: number;
  to: number;
  figures: Figures;
  nodes: Array<{ node: SlaNode; figures: Figures }>;
}

/**
 * An operator, a region or the fleet: one aggregate query per window, the pure core for the rest.
 * `perNode: false` leaves `nodes` empty (the group's figures are the same): a caller that shows only the
 * group (the fleet overview) does not build 10,000 node figures it throws away.
 */
export async function groupSla(
  sql: postgres.ISql,
  thresholds: Thresholds,
  level: Exclude<Level, 'node'>,
  key: string | null,
  nodes: SlaNode[],
  groupTier: string | null,
  w: Window,
  now: number,
  opts: { perNode?: boolean } = {},
): Promise<GroupSla> {
  const r30 = rolling30d(now);
  const { start: lo, end: hi } = readSpan(w, now);
  const defs = await loadMaintenance(sql, lo, hi);
  const ids = level === 'fleet' ? undefined : nodes.map((n) => n.id);
  const totals =
    ids && ids.length <= SMALL_GROUP
      ? await pureTotals(sql, nodes, defs, lo, hi, now)
      : (from: number, to: number) => totalsByNode(sql, { from, to, now, maintenance: defs, ...(ids ? { nodeIds: ids } : {}) });
  const same = (a: { from: number; to: number }, b: { from: number; to: number }) =>
    a.from === b.from && Math.min(a.to, now) === Math.min(b.to, now);
  const windowT = await totals(w.from, w.to);
  const monthW = { from: w.month.start, to: w.month.end };
  const monthT = same(w, monthW) ? windowT : await totals(monthW.from, monthW.to);
  const baseW = { from: r30.start, to: r30.end };
  const baseT = same(w, baseW) ? windowT : same(monthW, baseW) ? monthT : await totals(baseW.from, baseW.to);

  const span = Math.max(0, Math.min(w.to, now) - w.from);
  const figures = (t: Totals, m: Totals, b: Totals, ahead: number, thresholdPct: number): Figures => {
    const tracked = t.upMs + t.downMs + t.unknownMs + t.maintenanceMs;
    return {
      totals: { ...t, untrackedMs: Math.max(0, span - tracked) },
      ratio: ratioOfTotals(t),
      thresholdPct,
      budget: {
        ...budget({ month: w.month, now, thresholdPct, toDate: m, aheadMs: ahead, baselineRatio: ratioOfTotals(b) }),
        month: w.month,
      },
    };
  };
  const rows: GroupSla['nodes'] = [];
  let sumW = ZERO_TOTALS;
  let sumM = ZERO_TOTALS;
  let sumB = ZERO_TOTALS;
  let sumAhead = 0;
  let untracked = 0;
  // The time ahead depends only on which windows cover a node: worked out once per set of windows (at
  // 10,000 nodes under one fleet-wide window, once instead of 10,000 expansions of the same occurrences).
  const aheadBySet = new Map<string, number>();
  const aheadOf = (n: SlaNode) => {
    const set = defs
      .filter((d) => covers(d, n))
      .map((d) => d.id)
      .join(',');
    let ms = aheadBySet.get(set);
    if (ms === undefined) aheadBySet.set(set, (ms = aheadMs(w.month, now, nodeSpans(defs, n, w.month))));
    return ms;
  };
  for (const n of nodes) {
    const t = windowT.get(n.id) ?? ZERO_TOTALS;
    const m = monthT.get(n.id) ?? ZERO_TOTALS;
    const b = baseT.get(n.id) ?? ZERO_TOTALS;
    // Time ahead counts only for nodes in service (a first heartbeat seen).
    const ahead = n.currentState === null || n.decommissionedAt ? 0 : aheadOf(n);
    sumW = addTotals(sumW, t);
    sumM = addTotals(sumM, m);
    sumB = addTotals(sumB, b);
    sumAhead += ahead;
    untracked += Math.max(0, span - (t.upMs + t.downMs + t.unknownMs + t.maintenanceMs));
    if (opts.perNode !== false) rows.push({ node: n, figures: figures(t, m, b, ahead, thresholdFor('node', n.tier, thresholds)) });
  }
  const group = figures(sumW, sumM, sumB, sumAhead, thresholdFor(level, groupTier, thresholds));
  group.totals.untrackedMs = untracked;
  return { level, key, from: w.from, to: Math.max(w.from, Math.min(w.to, now)), figures: group, nodes: rows };
}

/**
 * A group this small (an operator's nodes, mostly) has its totals from one read of its nodes' intervals
 * through the pure core, not from the aggregate queries (whose plans suit the fleet: a parallel scan and
 * sort for a few hundred intervals). The two are equal (stores/intervals.ts totalsByNode; a test holds it).
 */
export const SMALL_GROUP = 500;

/** totalsByNode for a small group over any window inside [lo, hi): the nodes' intervals read once, maintenance applied per node. */
async function pureTotals(
  sql: postgres.ISql,
  nodes: readonly SlaNode[],
  defs: readonly MaintenanceDef[],
  lo: number,
  hi: number,
  now: number,
): Promise<(from: number, to: number) => Promise<Map<number, Totals>>> {
  const read = await nodesIntervals(
    sql,
    nodes.map((n) => n.id),
    lo,
    Math.min(hi, now),
    now,
  );
  const applied = nodes.map((n) => [n.id, applyMaintenance(read.get(n.id) ?? [], spansForNode(defs, n, lo, hi))] as const);
  return async (from, to) => {
    const end = Math.max(from, Math.min(to, now));
    return new Map(
      applied.map(([id, ivs]) => {
        const s = summarize(ivs, from, end);
        return [id, { upMs: s.upMs, downMs: s.downMs, unknownMs: s.unknownMs, maintenanceMs: s.maintenanceMs }];
      }),
    );
  };
}

const nodeSpans = (defs: readonly MaintenanceDef[], n: SlaNode, month: Span) => spansForNode(defs, n, month.start, month.end);

export interface OperatorOutlook {
  name: string;
  tier: string | null;
  /** The tier's monthly target as a ratio (0.995). */
  slaTarget: number;
  /** Month-end projection of the operator's uptime (all its nodes); null without data. */
  projectedRatio: number | null;
}

/** Every operator's month-end projection for the month containing `now` (what the sla_at_risk rule reads). */
export async function operatorOutlooks(sql: postgres.ISql, thresholds: Thresholds, now: number): Promise<OperatorOutlook[]> {
  const nodes = await listSlaNodes(sql);
  const byOperator = new Map<number, SlaNode[]>();
  for (const n of nodes)
    if (n.operatorId !== null) (byOperator.get(n.operatorId) ?? byOperator.set(n.operatorId, []).get(n.operatorId)!).push(n);
  const month = monthOf(now);
  const out: OperatorOutlook[] = [];
  for (const group of byOperator.values()) {
    const first = group[0]!;
    const g = await groupSla(
      sql,
      thresholds,
      'operator',
      first.operator,
      group,
      first.tier,
      { from: month.start, to: month.end, month },
      now,
      { perNode: false },
    );
    out.push({
      name: first.operator ?? String(first.operatorId),
      tier: first.tier,
      slaTarget: g.figures.thresholdPct / 100,
      projectedRatio: g.figures.budget.projection.ratio,
    });
  }
  return out;
}
