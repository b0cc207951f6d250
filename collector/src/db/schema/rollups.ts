/**
 * Per-minute metric rollups (kept >= 13 months, like state intervals) and the log of periodic job runs.
 *
 * One row per (node, UTC hour of `at`) holding the hour's 60 minutes in arrays (element i = minute i,
 * null where the minute had no sample), computed by the rollup job from the raw samples' compact metric
 * columns. A row is written once its hour is complete and is always recomputed whole from raw (raw samples
 * outlive any sample that can still arrive late), so re-running the job is harmless. The hour in progress
 * has no row: its minutes are read from raw samples (kept 48 h).
 *
 * Values: the percentages, load1 and agent CPU % are stored in hundredths (x 100, rounded) as smallint,
 * clamped to 0..32767: a load1 above 327.67 (or an agent using more than 3.27 cores) is stored as 327.67.
 * The view below gives them back in their units (real); read them through it.
 *
 * Size: a full hour is 1,312 bytes (24 header + 16 key + 7 x 144 for the smallint[60] arrays + 264 for
 * agent RSS, int[60]), so 6 rows share a page: ~1.4 KB per node-hour. An hour missing a minute or two
 * carries a null bitmap (8 bytes per array) and stays well under the ~2 KB at which PostgreSQL starts to
 * compress or toast. The arrays are STORAGE MAIN (set in the migrations; drizzle cannot say it): should a
 * row ever go over, PostgreSQL compresses its biggest arrays inline rather than moving one out to the
 * TOAST table (an extra tuple, index entry and lookup per read) unless the row would not fit a page.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, pgTable, pgView, primaryKey, real, smallint, text } from 'drizzle-orm/pg-core';
import { ROLLUP_HUNDREDTHS_COLUMNS, ROLLUP_MINUTE_COLUMNS } from '../rollup-columns.ts';
import { ts } from './columns.ts';

export const metricRollups = pgTable(
  'metric_rollups',
  {
    nodeId: bigint('node_id', { mode: 'number' }).notNull(),
    /** Start of the hour (UTC) on the collector's clock (`samples.at`). */
    hour: ts('hour').notNull(),
    samples: smallint('samples').array().notNull(),
    diskPctMax: smallint('disk_pct_max').array().notNull(),
    load1Avg: smallint('load1_avg').array().notNull(),
    load1Max: smallint('load1_max').array().notNull(),
    memPctAvg: smallint('mem_pct_avg').array().notNull(),
    memPctMax: smallint('mem_pct_max').array().notNull(),
    agentRssKibMax: integer('agent_rss_kib_max').array().notNull(),
    /** Agent CPU use over each minute, percent of one core (from its cumulative CPU seconds), in hundredths. */
    agentCpuPct: smallint('agent_cpu_pct').array().notNull(),
  },
  // BRIN on hour: retention deletes by age without a second btree.
  (t) => [primaryKey({ columns: [t.nodeId, t.hour] }), index('metric_rollups_hour_brin').using('brin', t.hour)],
);

/**
 * The rollups back as one row per (node, minute) with a sample, for readers. Completed hours only (see
 * above). Filter on `hour` as well as `minute` to use the primary key: `minute` is computed. (Reading the
 * arrays directly, postgres.js turns their null elements into NaN.)
 */
export const metricRollupMinutes = pgView('metric_rollup_minutes', {
  nodeId: bigint('node_id', { mode: 'number' }).notNull(),
  hour: ts('hour').notNull(),
  minute: ts('minute').notNull(),
  samples: smallint('samples').notNull(),
  diskPctMax: real('disk_pct_max'),
  load1Avg: real('load1_avg'),
  load1Max: real('load1_max'),
  memPctAvg: real('mem_pct_avg'),
  memPctMax: real('mem_pct_max'),
  agentRssKibMax: integer('agent_rss_kib_max'),
  agentCpuPct: real('agent_cpu_pct'),
}).as(
  sql.raw(
    `select r.node_id, r.hour, r.hour + (m.i - 1) * interval '1 minute' as minute, ${ROLLUP_MINUTE_COLUMNS.map((c) => (ROLLUP_HUNDREDTHS_COLUMNS.has(c) ? `(m.${c} / 100.0)::real as ${c}` : `m.${c}`)).join(', ')}
    from metric_rollups r, unnest(${ROLLUP_MINUTE_COLUMNS.map((c) => `r.${c}`).join(', ')}) with ordinality as m(${ROLLUP_MINUTE_COLUMNS.join(', ')}, i)
    where m.samples is not null`,
  ),
);

/**
 * (node, hour) pairs with samples that arrived while their hour was still in progress: the rollup job
 * finds them in the minute's arrivals it scans anyway, and rolls them up once the hour is complete, so
 * the top of the hour needs no scan of the whole hour's arrivals. Deleted as each is rolled up.
 */
export const rollupPending = pgTable(
  'rollup_pending',
  {
    nodeId: bigint('node_id', { mode: 'number' }).notNull(),
    hour: ts('hour').notNull(),
  },
  (t) => [primaryKey({ columns: [t.nodeId, t.hour] })],
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
