/** Retention: raw samples beyond their window, intervals and spans beyond theirs. Batched, never in a request. */
import type postgres from 'postgres';
import { LOCKS, withTryLock } from '../db/database.ts';

export async function runRetention(sql: postgres.Sql, now: number, opts: { rawMs: number; intervalMs: number; batch?: number }): Promise<{ samples: number; intervals: number } | undefined> {
  const batch = opts.batch ?? 50_000;
  return withTryLock(sql, LOCKS.retention, async () => {
    let samples = 0;
    for (;;) {
      const r = await sql`delete from samples where ctid in (select ctid from samples where received_at < ${new Date(now - opts.rawMs)} limit ${batch})`;
      samples += r.count;
      if (r.count < batch) break;
    }
    const iv = await sql`delete from state_intervals where end_at < ${new Date(now - opts.intervalMs)}`;
    await sql`delete from collector_spans where last_beat_at < ${new Date(now - opts.intervalMs)}`;
    return { samples, intervals: iv.count };
  });
}
