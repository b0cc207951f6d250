/**
 * Retention: raw samples beyond their window (default 48 h); state intervals, observation spans and
 * per-minute rollups beyond theirs (>= 400 days: 13 months of evidence); the job-run log after 7 days.
 * Raw samples go a day at a time: the day's partition is dropped once all of it is older than the window
 * (jobs/partitions.ts, which also creates the days ahead), so a raw sample lives 48 to 72 hours and the
 * run deletes no raw row but those of the default partition (nodes whose clock is days off).
 * Rollups go by the hour (one row per node-hour): an hour goes once all of it is older than the window.
 * Batched deletes, paced (jobs/pace.ts), under an advisory lock (once across collectors), never in a request.
 */
import type postgres from 'postgres';
import { LOCKS, withTryLock } from '../db/database.ts';
import { recordJobRun } from './runs.ts';
import { DEFAULT_PAUSE_RATIO, paced } from './pace.ts';
import { DEFAULT_PARTITION, maintainSamplePartitions } from './partitions.ts';

export async function runRetention(
  sql: postgres.Sql,
  now: number,
  opts: { rawMs: number; intervalMs: number; batch?: number; instanceId?: string; pauseRatio?: number; signal?: AbortSignal },
): Promise<
  { samples: number; partitions: { created: number[]; dropped: number[]; busy: number[] }; intervals: number; rollups: number } | undefined
> {
  const batch = opts.batch ?? 10_000;
  const pauseRatio = opts.pauseRatio ?? DEFAULT_PAUSE_RATIO;
  return withTryLock(sql, LOCKS.retention, async () => {
    const started = Date.now();
    const partitions = await maintainSamplePartitions(sql, now, { rawMs: opts.rawMs });
    const cutoff = new Date(now - opts.rawMs);
    let samples = 0;
    for (;;) {
      const r = await paced(
        pauseRatio,
        () =>
          sql`delete from ${sql(DEFAULT_PARTITION)} where ctid in (select ctid from ${sql(DEFAULT_PARTITION)} where received_at < ${cutoff} and ts < ${cutoff} limit ${batch})`,
        opts.signal,
      );
      samples += r.count;
      if (r.count < batch) break;
    }
    const keep = new Date(now - opts.intervalMs);
    const iv = await sql`delete from state_intervals where end_at < ${keep}`;
    await sql`delete from collector_spans where last_beat_at < ${keep}`;
    let rollups = 0;
    for (;;) {
      const r = await paced(
        pauseRatio,
        () =>
          sql`delete from metric_rollups where ctid in (select ctid from metric_rollups where hour <= ${new Date(keep.getTime() - 3_600_000)} limit ${batch})`,
        opts.signal,
      );
      rollups += r.count;
      if (r.count < batch) break;
    }
    await sql`delete from job_runs where started_at < ${new Date(now - 7 * 86_400_000)}`;
    await recordJobRun(sql, 'retention', opts.instanceId ?? 'unknown', started, Date.now(), samples + iv.count + rollups);
    return { samples, partitions, intervals: iv.count, rollups };
  });
}
