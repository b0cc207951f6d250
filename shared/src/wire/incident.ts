/**
 * Incidents and their notifications as the API shows them: the one definition of their severities,
 * statuses and transitions. The collector's own records derive from these (times as epoch ms there).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** An incident's severity: P0 fleet-wide outage, P1 a region (> 50 % down), P2 one node failed, P3 degraded. */
export const Severity = Type.Union([Type.Literal('P0'), Type.Literal('P1'), Type.Literal('P2'), Type.Literal('P3')]);
export type Severity = Static<typeof Severity>;
export const SEVERITIES: readonly Severity[] = Severity.anyOf.map((s) => s.const);

export const IncidentStatus = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')]);
export type IncidentStatus = Static<typeof IncidentStatus>;
export const INCIDENT_STATUSES: readonly IncidentStatus[] = IncidentStatus.anyOf.map((s) => s.const);

/** What a notification announces about its incident (`report`: a scheduled report, its text in `detail`; its incident id is `report:<kind>:<period>`). */
export const NotificationTransition = Type.Union([
  Type.Literal('opened'),
  Type.Literal('updated'),
  Type.Literal('flapping'),
  Type.Literal('acknowledged'),
  Type.Literal('escalated'),
  Type.Literal('resolved'),
  Type.Literal('target_missed'),
  Type.Literal('report'),
]);
export type NotificationTransition = Static<typeof NotificationTransition>;
export const NOTIFICATION_TRANSITIONS: readonly NotificationTransition[] = NotificationTransition.anyOf.map((s) => s.const);

/** A notification's delivery state in the outbox. */
export const NotificationStatus = Type.Union(
  [Type.Literal('pending'), Type.Literal('sending'), Type.Literal('sent'), Type.Literal('skipped'), Type.Literal('dead')],
  { description: 'pending, sending, sent, skipped, dead' },
);
export type NotificationStatus = Static<typeof NotificationStatus>;
export const NOTIFICATION_STATUSES: readonly NotificationStatus[] = NotificationStatus.anyOf.map((s) => s.const);

const Nullable = <T extends TSchema>(t: T, description?: string) => Type.Union([t, Type.Null()], description ? { description } : {});
const DateTime = Type.String({ format: 'date-time' });

/** One incident (GET /v1/incidents). Node and operator ids are their names. */
export const Incident = Type.Object({
  id: Type.String(),
  key: Type.String(),
  severity: Severity,
  status: IncidentStatus,
  summary: Type.String(),
  nodes: Type.Array(Type.String()),
  operators: Type.Array(Type.String()),
  regions: Type.Array(Type.String()),
  flapping: Type.Boolean(),
  openedAt: DateTime,
  acknowledgedAt: Nullable(DateTime),
  acknowledgedBy: Nullable(Type.String()),
  resolvedAt: Nullable(DateTime),
  resolvedBy: Nullable(Type.String(), '"auto" when the condition cleared'),
  cause: Nullable(Type.String()),
  resolution: Nullable(Type.String()),
  absorbedInto: Nullable(Type.String(), 'the P0/P1 incident key that absorbed this one'),
  escalatedAt: Nullable(DateTime),
  respondMissedAt: Nullable(DateTime),
  resolveMissedAt: Nullable(DateTime),
  postmortemRequired: Type.Boolean(),
  postmortemDueAt: Nullable(DateTime),
});
export type Incident = Static<typeof Incident>;

/** One entry of an incident's history. */
export const IncidentEvent = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  at: DateTime,
  actor: Nullable(Type.String()),
  data: Type.Record(Type.String(), Type.Unknown()),
});
export type IncidentEvent = Static<typeof IncidentEvent>;

/** MTTA / MTTR over a set of incidents. */
export const IncidentStat = Type.Object({
  count: Type.Integer(),
  acknowledged: Type.Integer(),
  resolved: Type.Integer(),
  mttaSeconds: Nullable(Type.Number()),
  mttrSeconds: Nullable(Type.Number()),
  respondMissed: Type.Integer(),
  resolveMissed: Type.Integer(),
});
export type IncidentStat = Static<typeof IncidentStat>;

/** One row of the notification outbox (GET /v1/notifications). */
export const NotificationRecord = Type.Object({
  id: Type.Integer(),
  idempotencyKey: Type.String(),
  incidentId: Type.String(),
  channel: Type.String(),
  transition: NotificationTransition,
  status: NotificationStatus,
  attempts: Type.Integer(),
  createdAt: DateTime,
  nextAttemptAt: Nullable(DateTime),
  sentAt: Nullable(DateTime),
  lastStatus: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
});
export type NotificationRecord = Static<typeof NotificationRecord>;
