/** The SLA engine's vocabulary. Times are milliseconds since the epoch (UTC), ranges are [start, end). */

export const UPTIME_STATES = ['UP', 'DOWN', 'UNKNOWN', 'MAINTENANCE'] as const;
export type UptimeState = (typeof UPTIME_STATES)[number];

/** Why an interval has its state: stable names, stored with every interval. */
export type IntervalCause =
  | 'heartbeat' // UP: heartbeats arrived within the grace and SLA-critical checks passed
  | 'missed_heartbeats' // DOWN: no heartbeat within the grace, from the last good one
  | 'check_failed' // DOWN: an SLA-critical check failed
  | 'agent_evidence' // DOWN: nobody observed, but the agent's own record proves it was not running (see AgentProof)
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
  /** A live point's sampling time on the collector's clock (earlier than `at`, its arrival). */
  sampledAt?: number;
  /** The agent's own record of this sample: evidence for time nobody observed (see AgentProof). */
  agent?: AgentRecord;
}

export interface AgentRecord {
  /** The agent's sample stream and sequence number: every sample the agent takes gets the next seq. */
  stream: string;
  seq: number;
  /** Sampling time on the agent's clock. */
  ts: number;
  /** The node's uptime when sampled (ms): a monotonic clock, unlike `ts`, and when it booted. */
  uptimeMs?: number;
}

/**
 * What proves, from the agent's own record, that it was not running between two samples a and b:
 * - `seq_contiguous`: b is the very next sample of a's stream (seq + 1) yet sampled more than the grace
 *   later (and, within one boot, the node's uptime agrees: no wall-clock step made the gap): the agent
 *   took no sample in between, from a on.
 * - `new_boot`: the node booted after a was sampled: from that boot to b the agent was not running yet.
 */
export type AgentProof = 'seq_contiguous' | 'new_boot';
