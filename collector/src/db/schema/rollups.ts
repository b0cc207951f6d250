/**
 * Per-minute metric rollups (kept >= 13 months, like state intervals) and the log of periodic job runs.
 *
 * Rollups are computed by the rollup job from the raw samples' compact metric columns, one row per
 * (node, minute of `at`), always recomputed whole from raw (raw samples outlive any sample that can still
 * arrive late), so re-running the job over the same minutes is harmless. Small types on purpose: a row is
 * ~70 bytes, 43,200 rows per node per 30 days.
 */
import { bigint, bigserial, index, integer, pgTable, primaryKey, real, smallint, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

export const metricRollups = pgTable(
  'metric_rollups',
  {
    nodeId: bigint('node_id', { mode: 'number' }).notNull(),
    /** Start of the minute (UTC) on the collector's clock (`samples.at`). */
    minute: ts('minute').notNull(),
    samples: smallint('samples').notNull(),
    diskPctMax: real('disk_pct_max'),
    load1Avg: real('load1_avg'),
    load1Max: real('load1_max'),
    memPctAvg: real('mem_pct_avg'),
    memPctMax: real('mem_pct_max'),
    agentRssKibMax: integer('agent_rss_kib_max'),
    /** Agent CPU use over the minute, percent of one core (from its cumulative CPU seconds). */
    agentCpuPct: real('agent_cpu_pct'),
  },
  // BRIN on minute: retention deletes by age without a second btree on a table this size.
  (t) => [primaryKey({ columns: [t.nodeId, t.minute] }), index('metric_rollups_minute_brin').using('brin', t.minute)],
);

/** Where the rollup job got to (received_at of raw samples), one row per job. */
export const jobWatermarks = pgTable('job_watermarks', {
  job: text('job').primaryKey(),
  upTo: ts('up_to').notNull(),
});

/**
 * Runs of jobs that take an advisory lock (rollup, retention, settle when it settled something): which
 * collector ran it and when, written while holding the lock. Shows that they run once across collectors.
 */
export const jobRuns = pgTable(
  'job_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    job: text('job').notNull(),
    instanceId: text('instance_id').notNull(),
    startedAt: ts('started_at').notNull(),
    finishedAt: ts('finished_at').notNull(),
    rows: bigint('rows', { mode: 'number' }).notNull(),
  },
  (t) => [index('job_runs_job_idx').on(t.job, t.startedAt)],
);
