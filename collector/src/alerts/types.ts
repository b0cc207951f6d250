/**
 * The alerting core's input and output types. `FleetState` is what the collector knows right now
 * (the lead's job maps DB rows into it); everything in alerts/ is a pure function of it and `now`.
 * All times are milliseconds since the Unix epoch (UTC).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { CheckStatus } from '@timmy/shared';
import type { OperatorInRegion } from '../program/coverage.ts';

export type { CheckStatus };

export interface CheckState {
  status: CheckStatus;
  /** When the check entered this status (first sample with it). */
  since: number;
  probe?: string;
  /** A failure of this check makes the node DOWN (by default: the gateway unit). */
  slaCritical?: boolean;
  message?: string;
}

export interface NodeState {
  id: string;
  operatorId: string;
  region: string;
  /** Collector receive time of the newest heartbeat; null when none ever arrived (untracked: see `isTracked`). */
  lastHeartbeatAt: number | null;
  /** When the node was registered. */
  registeredAt?: number;
  /** Latest status of each check, by check name (for example `gateway`, `tmux`, `disk:/`). */
  checks: Record<string, CheckState>;
  /** Root filesystem used percentage (0-100; the fullest disk on a node without a root filesystem check), latest stored; null/undefined when unknown or below every disk rule's threshold. */
  diskUsedPct?: number | null;
  /** Measured clock skew (agent clock - collector clock), ms; null/undefined when unknown. */
  clockSkewMs?: number | null;
  /** Expiry of the node's current credential. */
  credentialExpiresAt?: number | null;
  /** The node is inside a declared maintenance window right now. */
  inMaintenance?: boolean;
}

export interface OperatorProjection {
  id: string;
  tier?: string;
  /** The monthly SLA target for the operator's tier, as a ratio (0.995). */
  slaTarget: number;
  /** Projected month-end uptime ratio (0..1); null when there is not enough data. */
  projectedRatio: number | null;
  /** The whole operator is in maintenance (silences the operator-level rule). */
  inMaintenance?: boolean;
}

export interface FleetState {
  /**
   * Since when the collector and its database have been observing continuously. Anything before
   * it is UNKNOWN: never counted as downtime, never an alert. Set to the time the collector (or the
   * database after a stall) came back.
   */
  observingSince: number;
  nodes: NodeState[];
  operators?: OperatorProjection[];
  /** Every operator with a region and its lifecycle state: region coverage's input (read when a region rule is enabled). */
  regionOperators?: OperatorInRegion[];
}

export type RuleKind = 'node_offline' | 'check' | 'disk' | 'credential_expiry' | 'clock_skew' | 'sla_at_risk' | 'region_coverage';

/** Severity of one alert. Incidents have their own P0..P3 (`Severity` in @timmy/shared). */
export const AlertSeverity = Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')]);
export type AlertSeverity = Static<typeof AlertSeverity>;

/** What an alert contributes to incident classification. */
export const IncidentClass = Type.Union([Type.Literal('down'), Type.Literal('P2'), Type.Literal('P3')], {
  description: 'down: counts as the node being down (P2, and towards P1/P0)',
});
export type IncidentClass = Static<typeof IncidentClass>;

/** inactive: condition clear (kept only while its flap history matters); pending: waiting for `for`. */
export const ALERT_PHASES = ['inactive', 'pending', 'firing'] as const;
export type AlertPhase = (typeof ALERT_PHASES)[number];

export interface AlertSubject {
  type: 'node' | 'operator' | 'region';
  id: string;
  /** The operator a node or operator subject belongs to; empty for a region. */
  operatorId: string;
  region?: string;
}

/** One alert instance: (rule, subject). Kept between evaluations as the "previous alert state". */
export interface AlertInstance {
  key: string;
  ruleId: string;
  kind: RuleKind;
  severity: AlertSeverity;
  incidentClass: IncidentClass;
  subject: AlertSubject;
  phase: AlertPhase;
  /** Condition currently true (raw, before damping). */
  active: boolean;
  /** When the current condition stretch began, as observed (never before `observingSince`). */
  activeSince: number;
  /** While firing: when the condition cleared (the cool-down runs from here). */
  clearedSince: number | null;
  firedAt: number | null;
  resolvedAt: number | null;
  /** Times the raw condition changed (active<->clear), within the flap window. */
  flips: number[];
  flapping: boolean;
  summary: string;
}

export type AlertState = Record<string, AlertInstance>;

export type AlertTransitionKind = 'pending' | 'firing' | 'resolved' | 'flapping' | 'flapping_ended';

export interface AlertTransition {
  key: string;
  to: AlertTransitionKind;
  at: number;
  alert: AlertInstance;
}

export interface EvaluationResult {
  state: AlertState;
  transitions: AlertTransition[];
}

/**
 * Before its first heartbeat a node is not in service yet: untracked for alerts (no rule fires for it,
 * and it is not counted in the P0/P1 fractions), as it is for uptime. `undefined` (not known) counts as tracked.
 */
export function isTracked(n: { lastHeartbeatAt?: number | null }): boolean {
  return n.lastHeartbeatAt !== null;
}
