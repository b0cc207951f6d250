/**
 * SLA thresholds, the monthly downtime budget and the month-end projection, pure.
 *
 * - Threshold: a node and an operator are held to the operator's tier (certified 99.5 / senior 99.7 /
 *   fleet_lead 99.9 by default, configurable); a region and the fleet to the fleet target (99.5). A
 *   node without an operator is held to the fleet target.
 * - Budget (a calendar month, UTC): the DOWN time the month may contain and still meet the threshold:
 *   allowed = (1 - threshold) × (UP + DOWN so far + countable time still ahead). Countable time ahead
 *   is the rest of the month minus maintenance already declared for it (per node, summed for groups).
 *   UNKNOWN and MAINTENANCE never use budget. left = allowed - DOWN so far (negative: breached).
 * - Projection: the month so far plus the time ahead at a baseline ratio (the rolling 30 days when
 *   known, else the month so far, else 1). A finished month's projection is its actual figure.
 */
import { applyMaintenance, summarize, type UptimeSummary } from './summary.ts';
import { mergeSpans } from './spans.ts';
import type { Interval, Span } from './types.ts';

export interface Totals {
  upMs: number;
  downMs: number;
  unknownMs: number;
  maintenanceMs: number;
}

export const TIERS = ['certified', 'senior', 'fleet_lead'] as const;
export type Tier = (typeof TIERS)[number];

export interface Thresholds {
  /** Percent per operator tier. */
  tiers: Record<Tier, number>;
  /** Percent for regions, the fleet, and nodes without an operator. */
  fleetTargetPct: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { tiers: { certified: 99.5, senior: 99.7, fleet_lead: 99.9 }, fleetTargetPct: 99.5 };

export type Level = 'node' | 'operator' | 'region' | 'fleet';

/** The percentage a figure is held to. An unknown tier falls back to the strictest known one's floor: certified. */
export function thresholdFor(level: Level, tier: string | null, t: Thresholds): number {
  if (level === 'region' || level === 'fleet' || tier === null) return t.fleetTargetPct;
  return t.tiers[tier as Tier] ?? t.tiers.certified;
}

/** The calendar month (UTC) containing t, as a span and its "YYYY-MM" name. */
export function monthOf(t: number): Span & { name: string } {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1), name: `${y}-${String(m + 1).padStart(2, '0')}` };
}

/** Countable time of one node in [max(now, month.start), month.end): the rest of the month minus declared maintenance. */
export function aheadMs(month: Span, now: number, maintenance: readonly Span[]): number {
  const start = Math.max(now, month.start);
  if (start >= month.end) return 0;
  let covered = 0;
  for (const s of mergeSpans(maintenance)) covered += Math.max(0, Math.min(s.end, month.end) - Math.max(s.start, start));
  return month.end - start - covered;
}

export interface BudgetInput {
  month: Span;
  now: number;
  thresholdPct: number;
  /** Totals over [month.start, min(now, month.end)), maintenance applied. */
  toDate: Totals;
  /** Countable time still ahead this month (see aheadMs; summed over nodes for a group). */
  aheadMs: number;
  /** Ratio to project the time ahead with (rolling 30 days); null: the month so far. */
  baselineRatio: number | null;
}

export interface Budget {
  thresholdPct: number;
  /** DOWN the whole month may contain and still meet the threshold. */
  allowedDownMs: number;
  usedDownMs: number;
  /** allowed - used; negative once the month can no longer meet the threshold. */
  leftMs: number;
  /** The month has ended: every figure is final. */
  final: boolean;
  projection: { ratio: number | null; downMs: number; meetsThreshold: boolean | null; basisRatio: number };
}

export function budget(i: BudgetInput): Budget {
  const threshold = i.thresholdPct / 100;
  const counted = i.toDate.upMs + i.toDate.downMs;
  const ahead = i.now >= i.month.end ? 0 : Math.max(0, i.aheadMs);
  const allowedDownMs = (1 - threshold) * (counted + ahead);
  const soFar = counted > 0 ? i.toDate.upMs / counted : null;
  const basisRatio = i.baselineRatio ?? soFar ?? 1;
  const upMs = i.toDate.upMs + ahead * basisRatio;
  const downMs = i.toDate.downMs + ahead * (1 - basisRatio);
  const ratio = upMs + downMs > 0 ? upMs / (upMs + downMs) : null;
  return {
    thresholdPct: i.thresholdPct,
    allowedDownMs,
    usedDownMs: i.toDate.downMs,
    leftMs: allowedDownMs - i.toDate.downMs,
    final: i.now >= i.month.end,
    // A tiny tolerance keeps "exactly at the threshold" from failing on floating point.
    projection: { ratio, downMs, meetsThreshold: ratio === null ? null : ratio >= threshold - 1e-12, basisRatio },
  };
}

/** Sums totals (a group: operator, region, fleet). */
export function addTotals(a: Totals, b: Totals): Totals {
  return {
    upMs: a.upMs + b.upMs,
    downMs: a.downMs + b.downMs,
    unknownMs: a.unknownMs + b.unknownMs,
    maintenanceMs: a.maintenanceMs + b.maintenanceMs,
  };
}

export const ZERO_TOTALS: Totals = { upMs: 0, downMs: 0, unknownMs: 0, maintenanceMs: 0 };

/** Totals as the wire has them: seconds per state. */
export const totalsInSeconds = (t: Totals) => ({
  upSeconds: t.upMs / 1000,
  downSeconds: t.downMs / 1000,
  unknownSeconds: t.unknownMs / 1000,
  maintenanceSeconds: t.maintenanceMs / 1000,
});

export const ratioOfTotals = (t: Totals): number | null => (t.upMs + t.downMs > 0 ? t.upMs / (t.upMs + t.downMs) : null);

export interface NodeFiguresInput {
  /** Stored intervals covering at least [min(window.from, month.start), min(window.to, now)). */
  intervals: readonly Interval[];
  /** Maintenance spans covering the node over the window, the month and the rest of the month. */
  maintenance: readonly (Span & { evidence?: Record<string, unknown> })[];
  window: { from: number; to: number };
  now: number;
  thresholdPct: number;
  /** The month the budget is for (default: the month containing `now`). */
  month?: Span;
  baselineRatio?: number | null;
}

/** Everything one node's uptime view shows, from its intervals: the window's summary and the month's budget. */
export function nodeFigures(i: NodeFiguresInput): { summary: UptimeSummary; intervals: Interval[]; budget: Budget } {
  const intervals = applyMaintenance(i.intervals, i.maintenance);
  const end = Math.min(i.window.to, i.now);
  const summary = summarize(intervals, i.window.from, Math.max(i.window.from, end));
  const month = i.month ?? monthOf(i.now);
  const m = summarize(intervals, month.start, Math.max(month.start, Math.min(month.end, i.now)));
  const b = budget({
    month,
    now: i.now,
    thresholdPct: i.thresholdPct,
    toDate: m,
    aheadMs: aheadMs(month, i.now, i.maintenance),
    baselineRatio: i.baselineRatio ?? null,
  });
  return { summary, intervals, budget: b };
}
