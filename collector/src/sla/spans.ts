import type { Span } from './types.ts';

/** Sorts and merges overlapping or touching spans; drops empty ones. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

/** Cuts [start, end) into pieces labelled by whether they fall inside `spans` (merged, sorted). */
export function splitBy(start: number, end: number, spans: readonly Span[]): Array<{ start: number; end: number; inside: boolean }> {
  const out: Array<{ start: number; end: number; inside: boolean }> = [];
  let cursor = start;
  for (const s of spans) {
    if (s.end <= cursor) continue;
    if (s.start >= end) break;
    if (s.start > cursor) out.push({ start: cursor, end: s.start, inside: false });
    const e = Math.min(s.end, end);
    out.push({ start: Math.max(cursor, s.start), end: e, inside: true });
    cursor = e;
  }
  if (cursor < end) out.push({ start: cursor, end, inside: false });
  return out;
}

export function contains(spans: readonly Span[], t: number): boolean {
  for (const s of spans) if (t >= s.start && t < s.end) return true;
  return false;
}
