/**
 * Raw samples: a short window (default 48 h) of what arrived, enough to recompute state intervals
 * after late deliveries, and the source of the per-minute metric rollups. Kept narrow on purpose:
 * details of non-ok checks only, and five compact numeric columns for the rollups.
 *
 * The table is partitioned by range of `ts`, one partition per UTC day plus a default partition
 * (migration 0012; created ahead and dropped behind by jobs/partitions.ts): retention drops a day at
 * a time instead of deleting rows. drizzle-kit cannot declare partitioning: the migration does.
 *
 * Why `ts` (the sampling time as the agent sent it) and not the arrival time: a primary key of a
 * partitioned table must hold the partition key, and a sample is stored once per (node, stream, seq).
 * An agent resends what was not acknowledged, possibly after midnight: with the arrival time in the
 * key the resent sample would land in the next day's partition and be stored twice. `ts` is part of
 * the sample itself, identical in every resend, so a resend always meets its first copy in the same
 * partition and `on conflict do nothing` still sees it.
 */
import { bigint, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, real, text } from 'drizzle-orm/pg-core';
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
    // Rollup metrics (null when the sample did not carry them): see services/prepare.ts sampleMetrics.
    diskPct: real('disk_pct'),
    load1: real('load1'),
    memPct: real('mem_pct'),
    agentRssKib: integer('agent_rss_kib'),
    agentCpuS: doublePrecision('agent_cpu_s'),
    // The agent's own record, evidence for time the collector did not observe (sla/timeline.ts agentProof).
    /** Live samples: arrival less the sampling time on our clock (ms); null for late ones (`at` is their sampling time). */
    lagMs: integer('lag_ms'),
    /** The node's uptime when sampled (s): when it booted. */
    uptimeS: real('uptime_s'),
  },
  (t) => [
    // The partition key (`ts`) is part of the key: see above. An agent sends each (stream, seq) with one `ts`.
    primaryKey({ columns: [t.nodeId, t.stream, t.seq, t.ts] }),
    index('samples_node_at_idx').on(t.nodeId, t.at),
    // Rows arrive in received_at order: a BRIN index serves retention and the rollup job at a tiny
    // fraction of a btree's size (~30 bytes per row saved; see bench/sla.ts bytes_per_node_30d).
    index('samples_received_brin').using('brin', t.receivedAt),
  ],
);
