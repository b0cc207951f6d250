/**
 * Alerting tables: the alert instances carried between evaluations, incidents with their nodes and
 * events, and the notification outbox. Nodes are named by their names here (the alerting core's ids,
 * readable in notifications): `incident_nodes.node_name`. A column holding one of a fixed set is typed by
 * that set's one definition (@timmy/shared).
 *
 * The outbox is written in the same transaction as the incident change it announces, and has one
 * row per (incident, transition, channel) with a unique idempotency key, so a retried evaluation
 * never enqueues twice. Dispatchers claim rows with `FOR UPDATE SKIP LOCKED` and a lease.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { INCIDENT_STATUSES, NOTIFICATION_STATUSES, NOTIFICATION_TRANSITIONS, SEVERITIES } from '@timmy/shared';
import { INCIDENT_SCOPES } from '../../alerts/incidents.ts';
import type { Notification } from '../../alerts/channels/channel.ts';
import { ALERT_PHASES, type AlertInstance } from '../../alerts/types.ts';
import { ts } from './columns.ts';

const enumOf = <T extends string>(values: readonly T[]) => values as [T, ...T[]];

/** The alerting core's state between evaluations (one row per alert instance, see alerts/types.ts). */
export const alertInstances = pgTable('alert_instances', {
  key: text('key').primaryKey(),
  phase: text('phase', { enum: ALERT_PHASES }).notNull(),
  data: jsonb('data').$type<AlertInstance>().notNull(),
  updatedAt: ts('updated_at').notNull(),
});

/**
 * Who wrote `alert_instances` last (one row): a cycle that finds its own stamp here knows the rows are
 * still what it left in memory and skips reading them back (alerts/alert-state-store.ts).
 */
export const alertStateStamp = pgTable('alert_state_stamp', {
  id: integer('id').primaryKey(),
  writer: text('writer').notNull(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
});

export const incidents = pgTable(
  'incidents',
  {
    id: text('id').primaryKey(),
    key: text('key').notNull(),
    severity: text('severity', { enum: enumOf(SEVERITIES) }).notNull(),
    status: text('status', { enum: enumOf(INCIDENT_STATUSES) }).notNull(),
    summary: text('summary').notNull(),
    scopeType: text('scope_type', { enum: INCIDENT_SCOPES }).notNull(),
    operatorIds: jsonb('operator_ids').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    regions: jsonb('regions').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    alertKeys: jsonb('alert_keys').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    flapping: boolean('flapping').notNull().default(false),
    openedAt: ts('opened_at').notNull(),
    acknowledgedAt: ts('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
    resolvedAt: ts('resolved_at'),
    resolvedBy: text('resolved_by'),
    cause: text('cause'),
    resolution: text('resolution'),
    absorbedInto: text('absorbed_into'),
    escalatedAt: ts('escalated_at'),
    respondMissedAt: ts('respond_missed_at'),
    resolveMissedAt: ts('resolve_missed_at'),
    postmortemRequired: boolean('postmortem_required').notNull().default(false),
    postmortemDueAt: ts('postmortem_due_at'),
  },
  (t) => [
    // At most one open (or acknowledged) incident per key.
    uniqueIndex('incidents_open_key_uq').on(t.key).where(sql`${t.status} <> 'resolved'`),
    index('incidents_opened_idx').on(t.openedAt),
    index('incidents_status_idx').on(t.status),
  ],
);

/** Which nodes an incident covers (and covered: `removedAt` set when a node recovered). */
export const incidentNodes = pgTable(
  'incident_nodes',
  {
    nodeName: text('node_name').notNull(),
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    operatorId: text('operator_id').notNull(),
    region: text('region').notNull(),
    addedAt: ts('added_at').notNull(),
    removedAt: ts('removed_at'),
  },
  (t) => [primaryKey({ columns: [t.nodeName, t.incidentId] }), index('incident_nodes_incident_idx').on(t.incidentId)],
);

/** The incident's history: opened, updated, acknowledged, escalated, target missed, resolved. */
export const incidentEvents = pgTable(
  'incident_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    at: ts('at').notNull(),
    actor: text('actor'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index('incident_events_incident_idx').on(t.incidentId, t.at)],
);

/** The notification outbox: one row per (incident, transition, channel). */
export const alertNotifications = pgTable(
  'alert_notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    idempotencyKey: text('idempotency_key').notNull(),
    incidentId: text('incident_id').notNull(),
    channel: text('channel').notNull(),
    transition: text('transition', { enum: enumOf(NOTIFICATION_TRANSITIONS) }).notNull(),
    /** The rendered-to-be Notification (alerts/channels/channel.ts). */
    payload: jsonb('payload').$type<Notification>().notNull(),
    status: text('status', { enum: enumOf(NOTIFICATION_STATUSES) })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: ts('created_at').notNull(),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    claimedBy: text('claimed_by'),
    claimedUntil: ts('claimed_until'),
    sentAt: ts('sent_at'),
    lastStatus: integer('last_status'),
    /** Status code or network error code only: never a URL or a secret. */
    lastError: text('last_error'),
    eventId: bigint('event_id', { mode: 'number' }),
  },
  (t) => [
    uniqueIndex('alert_notifications_key_uq').on(t.idempotencyKey),
    index('alert_notifications_due_idx').on(t.nextAttemptAt).where(sql`${t.status} in ('pending', 'sending')`),
    index('alert_notifications_incident_idx').on(t.incidentId, t.channel, t.id),
  ],
);
