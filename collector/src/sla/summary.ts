/** Pure summaries over intervals: durations per state and the time-weighted uptime ratio. */
import { mergeSpans } from './spans.ts';
import type { Interval, Span, UptimeState } from './types.ts';

export interface UptimeSummary {
  from: number;
  to: number;
  upMs: number;
  downMs: number;
  unknownMs: number;
  maintenanceMs: number;
  /** Time inside [from, to) with no interval: before the node's first heartbeat. */
  untrackedMs: number;
  /** UP / (UP + DOWN); null when neither happened. */
  ratio: number | null;
}

/** Clips intervals to [from, to). */
export function clip(intervals: readonly Interval[], from: number, to: number): Interval[] {
  const out: Interval[] = [];
  for (const iv of intervals) {
    const start = Math.max(iv.start, from);
    const end = Math.min(iv.end, to);
    if (end > start) out.push({ ...iv, start, end });
  }
  return out;
}

/** Replaces whatever falls inside maintenance windows by MAINTENANCE (windows win over every state). */
export function applyMaintenance(
  intervals: readonly Interval[],
  windows: ReadonlyArray<Span & { evidence?: Record<string, unknown> }>,
): Interval[] {
  if (windows.length === 0) return [...intervals];
  const merged = mergeSpans(windows);
  const out: Interval[] = [];
  for (const iv of intervals) {
    let cursor = iv.start;
    for (const w of merged) {
      if (w.end <= cursor || w.start >= iv.end) continue;
      if (w.start > cursor) out.push({ ...iv, start: cursor, end: w.start });
      const end = Math.min(w.end, iv.end);
      const declared = windows.find((x) => x.start < end && x.end > Math.max(cursor, w.start));
      out.push({
        state: 'MAINTENANCE',
        start: Math.max(cursor, w.start),
        end,
        cause: 'maintenance',
        evidence: { ...(declared?.evidence ?? {}), underlying: iv.state },
      });
      cursor = end;
    }
    if (cursor < iv.end) out.push({ ...iv, start: cursor });
  }
  return out;
}

export function summarize(intervals: readonly Interval[], from: number, to: number): UptimeSummary {
  const totals: Record<UptimeState, number> = { UP: 0, DOWN: 0, UNKNOWN: 0, MAINTENANCE: 0 };
  for (const iv of clip(intervals, from, to)) totals[iv.state] += iv.end - iv.start;
  const tracked = totals.UP + totals.DOWN + totals.UNKNOWN + totals.MAINTENANCE;
  const counted = totals.UP + totals.DOWN;
  return {
    from,
    to,
    upMs: totals.UP,
    downMs: totals.DOWN,
    unknownMs: totals.UNKNOWN,
    maintenanceMs: totals.MAINTENANCE,
    untrackedMs: Math.max(0, to - from - tracked),
    ratio: counted > 0 ? totals.UP / counted : null,
  };
}

export const DAY_MS = 86_400_000;

/** The rolling 30-day window ending at `now`. */
export function rolling30d(now: number): Span {
  return { start: now - 30 * DAY_MS, end: now };
}

/** A calendar month in UTC, e.g. "2026-11" → [Nov 1 00:00Z, Dec 1 00:00Z). */
export function calendarMonth(month: string): Span {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) throw new RangeError(`month must look like YYYY-MM, got "${month}"`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  if (mo < 1 || mo > 12) throw new RangeError(`month out of range: "${month}"`);
  // Date.UTC reads years 0-99 as 1900-1999: set the year as given.
  const at = (m0: number) => new Date(0).setUTCFullYear(y, m0, 1);
  return { start: at(mo - 1), end: at(mo) };
}
