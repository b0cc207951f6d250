/**
 * The per-minute arrays of `metric_rollups` (db/schema/rollups.ts) as the rollup job writes them. Apart
 * from the schema, with no import of drizzle: the job runs in every collector, and loading drizzle's
 * pg-core for these cost each collector start about a second of CPU.
 */

/** The per-minute arrays of `metric_rollups`, in order (the rollup job and the view use this list). */
export const ROLLUP_MINUTE_COLUMNS = [
  'samples',
  'disk_pct_max',
  'load1_avg',
  'load1_max',
  'mem_pct_avg',
  'mem_pct_max',
  'agent_rss_kib_max',
  'agent_cpu_pct',
] as const;

/** The arrays stored in hundredths (x 100: see db/schema/rollups.ts). */
export const ROLLUP_HUNDREDTHS_COLUMNS: ReadonlySet<(typeof ROLLUP_MINUTE_COLUMNS)[number]> = new Set([
  'disk_pct_max',
  'load1_avg',
  'load1_max',
  'mem_pct_avg',
  'mem_pct_max',
  'agent_cpu_pct',
]);

/**
 * SQL for a value in its unit (an expression) as stored in a hundredths array: x 100, rounded, clamped to
 * 0..32767; null stays null (least and greatest skip nulls, hence the case).
 */
export const toHundredths = (expr: string) =>
  `case when (${expr}) is not null then least(greatest(round((${expr}) * 100), 0), 32767)::int2 end`;
