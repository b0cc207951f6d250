/**
 * Daily uptime bars, pure: state time cut into UTC days over the last N days (today last, up to `now`),
 * with the day's no-data time (no interval: before a first heartbeat, after retirement, the rest of today)
 * and a sentence per day for screen readers. A group's bars (operator, region, fleet) sum node time:
 * each day holds nodeCount × 24 h. Also: the days the monitoring itself was not observing (holes between
 * collector observation spans), which are ours, not the operators'.
 */
import { type DayFigures, daySummary } from '@timmy/shared';
import { totalsInSeconds, type Totals } from './budget.ts';
import { mergeSpans } from './spans.ts';
import type { Interval, Span, UptimeState } from './types.ts';

export const DAY_MS = 86_400_000;
export const DEFAULT_DAYS = 90;
export const MAX_DAYS = 400;

/** One UTC day's state time (ms), summed over `nodes` nodes. */
export interface DayTotals extends Totals {
  /** Start of the UTC day (ms). */
  start: number;
  /** YYYY-MM-DD. */
  day: string;
  noDataMs: number;
}

export interface DayBar extends DayTotals {
  ratio: number | null;
  meetsThreshold: boolean | null;
  summary: string;
}

/** YYYY-MM-DD of a UTC day's start, remembered (a page of bars names the same 90 days for every node). */
const dayNames = new Map<number, string>();
function dayName(t: number): string {
  let name = dayNames.get(t);
  if (name === undefined) {
    name = new Date(t).toISOString().slice(0, 10);
    if (dayNames.size > 4096) dayNames.clear();
    dayNames.set(t, name);
  }
  return name;
}

/** The first UTC day of the last `days` days ending with the day containing `now`: [start, now). */
export function daysSpan(now: number, days: number): Span {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return { start: today - (days - 1) * DAY_MS, end: now };
}

/** Empty day rows for [start of the first day, now). */
export function emptyDays(now: number, days: number): DayTotals[] {
  const { start } = daysSpan(now, days);
  return Array.from({ length: days }, (_, i) => {
    const s = start + i * DAY_MS;
    return { start: s, day: dayName(s), upMs: 0, downMs: 0, unknownMs: 0, maintenanceMs: 0, noDataMs: 0 };
  });
}

const FIELD: Record<UptimeState, keyof Totals> = { UP: 'upMs', DOWN: 'downMs', UNKNOWN: 'unknownMs', MAINTENANCE: 'maintenanceMs' };

/**
 * One node's intervals (maintenance already applied: sla/summary.ts applyMaintenance) cut into the last
 * `days` UTC days up to `now`. Time after `now` in today and time with no interval are no-data.
 */
export function splitDays(intervals: readonly Interval[], now: number, days: number): DayTotals[] {
  return cutDays(intervals, emptyDays(now, days), now);
}

/**
 * The `days` whole UTC days before the day starting at `end` (`end` a day's start): splitDays for days
 * that are over, as a part of longer bars (services/uptime-days.ts keeps the older days apart).
 */
export function splitPastDays(intervals: readonly Interval[], end: number, days: number): DayTotals[] {
  if (end % DAY_MS !== 0) throw new Error(`splitPastDays: ${end} is not the start of a UTC day`);
  return cutDays(intervals, emptyDays(end - 1, days), end);
}

/** Intervals' time before `until` added into day rows (consecutive UTC days), with their no-data time. */
function cutDays(intervals: readonly Interval[], out: DayTotals[], until: number): DayTotals[] {
  const first = out[0]!.start;
  for (const iv of intervals) {
    const s = Math.max(iv.start, first);
    const e = Math.min(iv.end, until);
    if (e <= s) continue;
    for (let i = Math.floor((s - first) / DAY_MS); i < out.length; i++) {
      const d = out[i]!;
      const piece = Math.min(e, d.start + DAY_MS) - Math.max(s, d.start);
      if (piece <= 0) break;
      d[FIELD[iv.state]] += piece;
    }
  }
  return withNoData(out, 1);
}

/** Fills each day's no-data time: nodes × 24 h less the time in a state (never negative). */
export function withNoData(days: DayTotals[], nodes: number): DayTotals[] {
  return days.map((d) => ({
    ...d,
    noDataMs: Math.max(0, nodes * DAY_MS - (d.upMs + d.downMs + d.unknownMs + d.maintenanceMs)),
  }));
}

/** Day rows as summed by the database (per day start), into the full list of days (missing days: all no data). */
export function fillDays(rows: ReadonlyArray<Totals & { start: number }>, now: number, days: number, nodes: number): DayTotals[] {
  const out = emptyDays(now, days);
  const first = out[0]!.start;
  for (const r of rows) {
    const d = out[Math.round((r.start - first) / DAY_MS)];
    if (!d) continue;
    d.upMs += r.upMs;
    d.downMs += r.downMs;
    d.unknownMs += r.unknownMs;
    d.maintenanceMs += r.maintenanceMs;
  }
  return withNoData(out, nodes);
}

/** A day's figures as the wire and daySummary (@timmy/shared) have them: seconds (node-seconds for a group). */
export function dayFigures(d: DayTotals, ratio: number | null, meetsThreshold: boolean | null): DayFigures {
  return {
    day: d.day,
    ...totalsInSeconds(d),
    noDataSeconds: d.noDataMs / 1000,
    ratio,
    meetsThreshold,
  };
}

/** A day's bar without its words: ratio and against the threshold (a page of many nodes' bars, which the console words). */
export type DayFiguresBar = Omit<DayBar, 'summary'>;

/** The bar of one day without its words (dayBar adds them). */
export function dayRatio(d: DayTotals, thresholdPct: number): DayFiguresBar {
  const counted = d.upMs + d.downMs;
  const ratio = counted > 0 ? d.upMs / counted : null;
  return { ...d, ratio, meetsThreshold: ratio === null ? null : ratio * 100 >= thresholdPct };
}

/** The bar of one day: ratio, against the threshold, and the day in words (@timmy/shared daySummary). */
export function dayBar(d: DayTotals, thresholdPct: number, opts: { nodes: number } = { nodes: 1 }): DayBar {
  const b = dayRatio(d, thresholdPct);
  return { ...b, summary: daySummary(dayFigures(d, b.ratio, b.meetsThreshold), thresholdPct, opts.nodes) };
}

/** UP / (UP + DOWN) over all the days; null when neither. */
export function ratioOfDays(days: readonly Totals[]): number | null {
  let up = 0;
  let down = 0;
  for (const d of days) {
    up += d.upMs;
    down += d.downMs;
  }
  return up + down > 0 ? up / (up + down) : null;
}

/** A span ending this close to `to` is taken as still observing (its last beat is a beat or two old). */
export const TRAILING_SLACK_MS = 10_000;

/**
 * The stretches of [from, to) that no observation span covers (the monitoring was not observing), cut at
 * UTC day boundaries and grouped by day; days without a hole are left out. Time before the first span
 * ever recorded is not a hole (the monitoring did not exist yet), nor are the last TRAILING_SLACK_MS.
 */
export function monitoringGaps(spans: readonly Span[], from: number, to: number): Array<{ day: string; ms: number; spans: Span[] }> {
  const merged = mergeSpans(spans);
  if (merged.length === 0) return [];
  const holes: Span[] = [];
  let cursor = Math.max(from, merged[0]!.start);
  for (const s of merged) {
    if (s.end <= cursor) continue;
    if (s.start >= to) break;
    if (s.start > cursor) holes.push({ start: cursor, end: s.start });
    cursor = Math.max(cursor, s.end);
  }
  if (to - cursor > TRAILING_SLACK_MS) holes.push({ start: cursor, end: to });
  const byDay = new Map<string, { day: string; ms: number; spans: Span[] }>();
  for (const h of holes) {
    for (let s = h.start; s < h.end; ) {
      const e = Math.min(h.end, Math.floor(s / DAY_MS) * DAY_MS + DAY_MS);
      const day = dayName(s);
      const g = byDay.get(day) ?? byDay.set(day, { day, ms: 0, spans: [] }).get(day)!;
      g.ms += e - s;
      g.spans.push({ start: s, end: e });
      s = e;
    }
  }
  return [...byDay.values()];
}
