/** The SLA engine's vocabulary. Times are milliseconds since the epoch (UTC), ranges are [start, end). */

export const UPTIME_STATES = ['UP', 'DOWN', 'UNKNOWN', 'MAINTENANCE'] as const;
export type UptimeState = (typeof UPTIME_STATES)[number];

/** Why an interval has its state: stable names, stored with every interval. */
export type IntervalCause =
  | 'heartbeat' // UP: heartbeats arrived within the grace and SLA-critical checks passed
  | 'missed_heartbeats' // DOWN: no heartbeat within the grace, from the last good one
  | 'check_failed' // DOWN: an SLA-critical check failed
  | 'not_observing' // UNKNOWN: the collector (or its database) was not observing
  | 'maintenance'; // MAINTENANCE: a declared window

export interface Interval {
  state: UptimeState;
  start: number;
  end: number;
  cause: IntervalCause;
  evidence: Record<string, unknown>;
}

export interface Span {
  start: number;
  end: number;
}

/**
 * One heartbeat as the SLA engine sees it.
 * - live: it arrived while fresh; `at` is the collector's arrival time (the node cannot vouch for itself).
 * - late: delivered from the agent's buffer; `at` is its sampling time on the collector's clock. A late
 *   point may only settle time the collector was not observing.
 */
export interface Point {
  at: number;
  live: boolean;
  ok: boolean;
  failing?: string[];
}
