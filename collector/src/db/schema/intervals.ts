/** State intervals: what uptime is computed from, with the evidence for each. Kept >= 13 months. */
import { bigint, bigserial, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

export const stateIntervals = pgTable(
  'state_intervals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    nodeId: bigint('node_id', { mode: 'number' }).notNull(),
    state: text('state').notNull(),
    startAt: ts('start_at').notNull(),
    /** Null for the node's current (open) interval. */
    endAt: ts('end_at'),
    cause: text('cause').notNull(),
    evidence: jsonb('evidence').notNull(),
  },
  (t) => [index('state_intervals_node_start_idx').on(t.nodeId, t.startAt)],
);

/** Each collector process records when it was observing; gaps between spans are UNKNOWN time. */
export const collectorSpans = pgTable(
  'collector_spans',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    instanceId: text('instance_id').notNull(),
    startedAt: ts('started_at').notNull(),
    lastBeatAt: ts('last_beat_at').notNull(),
  },
  (t) => [index('collector_spans_beat_idx').on(t.lastBeatAt)],
);
