/**
 * The fleet's records. Operators and regions are plain records for now; the operator program
 * (tiers, tenure, partners, pay) extends them. Every node-keyed table leads with `node_id` so the
 * schema can be distributed by node later (Citus: `create_distributed_table(..., 'node_id')`).
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, jsonb, pgTable, text, uniqueIndex, boolean, integer, doublePrecision } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

export const operators = pgTable('operators', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  name: text('name').notNull().unique(),
  /** certified | senior | fleet_lead: decides the SLA the operator is held to. */
  tier: text('tier').notNull().default('certified'),
  region: text('region'),
  status: text('status').notNull().default('active'),
  startedAt: ts('started_at').notNull().defaultNow(),
  createdAt: ts('created_at').notNull().defaultNow(),
  // The program's lifecycle (program/lifecycle.ts OperatorStatus); operator_transitions holds every move.
  // An operator created by an admin (not through an application) starts certified.
  lifecycleState: text('lifecycle_state').notNull().default('certified'),
  lifecycleSince: ts('lifecycle_since').notNull().defaultNow(),
  /** While suspended: the state a reinstatement returns to. */
  suspendedFrom: text('suspended_from'),
  /** Once exited: the last day active (YYYY-MM-DD, UTC), paid through. */
  lastActiveDay: text('last_active_day'),
  terminationReason: text('termination_reason'),
  rejectionReason: text('rejection_reason'),
});

export const nodes = pgTable(
  'nodes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    name: text('name').notNull(),
    operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
    region: text('region'),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** Retired from this time on: history kept, no alerts, left out of figures after it, reports refused. */
    decommissionedAt: ts('decommissioned_at'),
    decommissionReason: text('decommission_reason'),
    inventory: jsonb('inventory'),
    agentVersion: text('agent_version'),
    bootId: text('boot_id'),
    // Hot state, written by ingest (one row per node; batched updates).
    /** Arrival time of the newest live heartbeat. */
    lastHbAt: ts('last_hb_at'),
    /** Whether the newest live heartbeat had all SLA-critical checks passing. */
    lastOk: boolean('last_ok'),
    /** SLA-critical checks failing as of the newest sample (carried forward when a sample lacks them). */
    failing: jsonb('failing').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** Agent clock minus collector clock at the last report (ms, includes one-way latency). */
    clockSkewMs: integer('clock_skew_ms'),
    lastSeq: bigint('last_seq', { mode: 'number' }),
    lastStream: text('last_stream'),
    // State engine bookkeeping (written by the settle job).
    currentState: text('current_state'),
    stateSince: ts('state_since'),
    /** Set when new evidence (a transition, a backfilled sample, an observation gap) needs intervals recomputed from here. */
    recomputeFrom: ts('recompute_from'),
    /** When the current state changes by itself if nothing arrives (grace runs out, restart zone ends). */
    stateCheckAt: ts('state_check_at'),
  },
  (t) => [
    uniqueIndex('nodes_name_uq').on(t.name),
    // No index on the hot columns (last_hb_at, state_check_at, recompute_from): the per-heartbeat update
    // stays a HOT update, and the settle job's scan of `nodes` is cheap at fleet scale.
    index('nodes_operator_idx').on(t.operatorId),
    // The fleet page's lists of the nodes in one state (DOWN, UNKNOWN, MAINTENANCE: a few of 10,000), by name.
    // current_state changes only at a transition (the settle job), so heartbeats stay HOT updates.
    index('nodes_state_name_idx').on(t.currentState, t.name),
  ],
);

/** Node credentials: stored hashed; `public_id` finds the row, the secret is compared in constant time. */
export const nodeCredentials = pgTable(
  'node_credentials',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    nodeId: bigint('node_id', { mode: 'number' })
      .notNull()
      .references(() => nodes.id),
    publicId: text('public_id').notNull(),
    secretHash: text('secret_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    /** Set on rotation: the old credential keeps working until then. */
    validUntil: ts('valid_until'),
    revokedAt: ts('revoked_at'),
    lastUsedAt: ts('last_used_at'),
  },
  (t) => [uniqueIndex('node_credentials_public_uq').on(t.publicId), index('node_credentials_node_idx').on(t.nodeId)],
);

export const nodeCheckStatus = pgTable(
  'node_check_status',
  {
    nodeId: bigint('node_id', { mode: 'number' })
      .notNull()
      .references(() => nodes.id),
    name: text('name').notNull(),
    probe: text('probe').notNull(),
    status: text('status').notNull(),
    message: text('message').notNull(),
    slaCritical: boolean('sla_critical').notNull(),
    value: doublePrecision('value'),
    since: ts('since').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [uniqueIndex('node_check_status_pk').on(t.nodeId, t.name)],
);
