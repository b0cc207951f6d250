/**
 * The channel interface: one file per channel type (webhook, slack, discord, telegram, pagerduty),
 * listed once in registry.ts. A channel turns one incident notification into one HTTP request and
 * says whether it was delivered, or whether (and when) to retry. It never throws for a delivery
 * failure, and never puts a secret (URL with token, routing key, HMAC key) in a result or a log.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { EpochMs, NotificationTransition, Severity } from '@timmy/shared';

export type { NotificationTransition };

const Nullable = <T extends TSchema>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));

/** A node an incident covers, by name, with its operator and region. */
export const NotificationNode = Type.Object({ id: Type.String(), operatorId: Type.String(), region: Type.String() });
export type NotificationNode = Static<typeof NotificationNode>;

/** What a channel renders. Built from an incident and one of its transitions (see outbox.ts); stored as the outbox row's payload. */
export const Notification = Type.Object({
  idempotencyKey: Type.String({ description: 'unique per (incident, transition, channel): receivers may use it to drop duplicates' }),
  incidentId: Type.String(),
  incidentKey: Type.String(),
  transition: NotificationTransition,
  severity: Severity,
  summary: Type.String(),
  nodes: Type.Array(NotificationNode),
  operatorIds: Type.Array(Type.String()),
  regions: Type.Array(Type.String()),
  flapping: Type.Boolean(),
  openedAt: EpochMs,
  resolvedAt: Type.Union([EpochMs, Type.Null()]),
  at: { ...EpochMs, description: 'when the transition happened' },
  acknowledgedBy: Nullable(Type.String()),
  cause: Nullable(Type.String()),
  resolution: Nullable(Type.String()),
  detail: Nullable(Type.String({ description: 'free text for target_missed and escalated (which target, which route)' })),
  ackUrl: Nullable(Type.String({ description: 'signed, expiring, single-purpose acknowledge link (ack-link.ts)' })),
  incidentUrl: Nullable(Type.String({ description: 'where a human can read the incident' })),
});
export type Notification = Static<typeof Notification>;

export type DeliveryResult =
  | { ok: true; status?: number; skipped?: boolean }
  | { ok: false; retryable: boolean; status?: number; retryAfterMs?: number; error: string };

export interface SendOptions {
  signal?: AbortSignal;
}

export interface Channel {
  readonly name: string;
  readonly type: string;
  /** The longest one `send` may take (its request timeout): the outbox's claim on a row outlasts it. */
  readonly timeoutMs?: number;
  send(n: Notification, opts?: SendOptions): Promise<DeliveryResult>;
}
