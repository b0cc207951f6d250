/**
 * Raw samples: a short window (default 48 h) of what arrived, enough to recompute state intervals
 * after late deliveries. Kept narrow on purpose: details of non-ok checks only.
 */
import { bigint, boolean, index, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';


export const samples = pgTable(
  'samples',
  {
    nodeId: bigint('node_id', { mode: 'number' }).notNull(),
    stream: text('stream').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    /** Sampling time on the agent's clock, as sent. */
    ts: ts('ts').notNull(),
    receivedAt: ts('received_at').notNull(),
    /** The time the SLA engine uses: arrival for live samples, sampling time on our clock for late ones. */
    at: ts('at').notNull(),
    live: boolean('live').notNull(),
    ok: boolean('ok').notNull(),
    /** Failing SLA-critical checks and any non-ok check (evidence); null when everything was ok. */
    detail: jsonb('detail'),
  },
  (t) => [primaryKey({ columns: [t.nodeId, t.stream, t.seq] }), index('samples_node_at_idx').on(t.nodeId, t.at), index('samples_received_idx').on(t.receivedAt)],
);
