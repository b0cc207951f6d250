/**
 * A day of an uptime bar in words, for screen readers and keyboard users: written by the collector into
 * the bars it serves, and by the console for bars served without it (an operator's every node at once:
 * GET /v1/operators/{op}/nodes/uptime/days leaves the sentences out, a third of the answer's bytes).
 * Pure, and the same on both sides of the wire.
 */

/** A duration in words: "0 s", "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** The figures of one day the sentence is made of (seconds; node-seconds for a group). */
export interface DayFigures {
  /** YYYY-MM-DD (UTC). */
  day: string;
  upSeconds: number;
  downSeconds: number;
  unknownSeconds: number;
  maintenanceSeconds: number;
  noDataSeconds: number;
  ratio: number | null;
  meetsThreshold: boolean | null;
}

/** Short English weekday names by getUTCDay() (what toLocaleDateString('en-GB', { weekday: 'short' }) gives, without its cost per call). */
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const pct = (r: number) => `${(Math.floor(r * 10000) / 100).toFixed(2)} %`;

/** "Mon 2026-11-30: 99.30 % up, below the 99.5 % target; down 10 min". `nodes` > 1: a group's node time. */
export function daySummary(d: DayFigures, thresholdPct: number, nodes = 1): string {
  const weekday = WEEKDAYS[new Date(`${d.day}T00:00:00Z`).getUTCDay()];
  const parts: string[] = [];
  if (d.ratio === null) parts.push('no uptime measured');
  else parts.push(`${pct(d.ratio)} up, ${d.meetsThreshold ? 'meets' : 'below'} the ${thresholdPct} % target`);
  const of = nodes > 1 ? ' (node time)' : '';
  if (d.downSeconds > 0) parts.push(`down ${humanDuration(d.downSeconds * 1000)}${of}`);
  if (d.unknownSeconds > 0) parts.push(`unknown ${humanDuration(d.unknownSeconds * 1000)}${of}`);
  if (d.maintenanceSeconds > 0) parts.push(`maintenance ${humanDuration(d.maintenanceSeconds * 1000)}${of}`);
  if (d.noDataSeconds > 0) parts.push(`no data ${humanDuration(d.noDataSeconds * 1000)}${of}`);
  return `${weekday} ${d.day}: ${parts.join('; ')}`;
}
