/**
 * The channel interface: one file per channel type (webhook, slack, discord, telegram, pagerduty),
 * listed once in registry.ts. A channel turns one incident notification into one HTTP request and
 * says whether it was delivered, or whether (and when) to retry. It never throws for a delivery
 * failure, and never puts a secret (URL with token, routing key, HMAC key) in a result or a log.
 */
import type { IncidentSeverity } from '../incidents.ts';

export type NotificationTransition = 'opened' | 'updated' | 'flapping' | 'acknowledged' | 'escalated' | 'resolved' | 'target_missed';

export interface NotificationNode {
  id: string;
  operatorId: string;
  region: string;
}

/** What a channel renders. Built from an incident and one of its transitions (see outbox.ts). */
export interface Notification {
  /** Unique per (incident, transition, channel): receivers may use it to drop duplicates. */
  idempotencyKey: string;
  incidentId: string;
  incidentKey: string;
  transition: NotificationTransition;
  severity: IncidentSeverity;
  summary: string;
  nodes: NotificationNode[];
  operatorIds: string[];
  regions: string[];
  flapping: boolean;
  openedAt: number;
  resolvedAt: number | null;
  /** When the transition happened. */
  at: number;
  acknowledgedBy?: string | null;
  cause?: string | null;
  resolution?: string | null;
  /** Free text for `target_missed` and `escalated` (which target, which route). */
  detail?: string | null;
  /** Signed, expiring, single-purpose acknowledge link (ack-link.ts). */
  ackUrl?: string | null;
  /** Where a human can read the incident (dashboard/API). */
  incidentUrl?: string | null;
}

export type DeliveryResult =
  | { ok: true; status?: number; skipped?: boolean }
  | { ok: false; retryable: boolean; status?: number; retryAfterMs?: number; error: string };

export interface SendOptions {
  signal?: AbortSignal;
}

export interface Channel {
  readonly name: string;
  readonly type: string;
  send(n: Notification, opts?: SendOptions): Promise<DeliveryResult>;
}
