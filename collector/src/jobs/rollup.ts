/**
 * The rollup job: per-minute metric rollups from the raw samples' compact columns. Runs under an advisory
 * lock (once across collectors). Each run finds the (node, minute) pairs touched by samples that arrived
 * since the watermark (by `received_at`, BRIN-indexed) and recomputes those minutes whole from raw, so a
 * late sample for an old minute just recomputes that minute, and a run that repeats a stretch is harmless.
 *
 * The scanned stretch starts `overlapMs` before the watermark: a transaction that committed after the
 * previous run read past its `received_at` (a slow group commit) is still seen. It ends `lagMs` before
 * now. Raw samples live longer (48 h) than any sample may arrive late, so a minute is always recomputable.
 */
import type postgres from 'postgres';
import { LOCKS, withTryLock } from '../db/database.ts';
import { recordJobRun } from './runs.ts';

export interface RollupOptions {
  instanceId: string;
  lagMs?: number;
  overlapMs?: number;
  /** On the first run (no watermark), how far back to start. */
  initialMs?: number;
}

export async function runRollup(sql: postgres.Sql, now: number, opts: RollupOptions): Promise<{ minutes: number; upTo: number } | undefined> {
  const lagMs = opts.lagMs ?? 5_000;
  const overlapMs = opts.overlapMs ?? 60_000;
  return withTryLock(sql, LOCKS.rollup, async () => {
    const started = Date.now();
    const upTo = new Date(now - lagMs);
    const [wm] = await sql`select up_to from job_watermarks where job = 'rollup'`;
    const from = wm ? new Date((wm.up_to as Date).getTime() - overlapMs) : new Date(now - (opts.initialMs ?? 48 * 3_600_000));
    const minutes = await sql.begin(async (tx) => {
      const r = await tx`
        with touched as (
          select distinct node_id, date_trunc('minute', at) as minute
          from samples where received_at > ${from} and received_at <= ${upTo}
        )
        insert into metric_rollups (node_id, minute, samples, disk_pct_max, load1_avg, load1_max, mem_pct_avg, mem_pct_max, agent_rss_kib_max, agent_cpu_pct)
        select t.node_id, t.minute, least(count(*), 32767)::int2, max(s.disk_pct), avg(s.load1), max(s.load1), avg(s.mem_pct), max(s.mem_pct), max(s.agent_rss_kib),
          case when max(s.at) > min(s.at) and max(s.agent_cpu_s) >= min(s.agent_cpu_s)
               then (max(s.agent_cpu_s) - min(s.agent_cpu_s)) / extract(epoch from (max(s.at) - min(s.at))) * 100 end
        from touched t
        join samples s on s.node_id = t.node_id and s.at >= t.minute and s.at < t.minute + interval '1 minute'
        group by t.node_id, t.minute
        on conflict (node_id, minute) do update set
          samples = excluded.samples, disk_pct_max = excluded.disk_pct_max, load1_avg = excluded.load1_avg, load1_max = excluded.load1_max,
          mem_pct_avg = excluded.mem_pct_avg, mem_pct_max = excluded.mem_pct_max, agent_rss_kib_max = excluded.agent_rss_kib_max,
          agent_cpu_pct = excluded.agent_cpu_pct`;
      await tx`
        insert into job_watermarks (job, up_to) values ('rollup', ${upTo})
        on conflict (job) do update set up_to = greatest(job_watermarks.up_to, excluded.up_to)`;
      return r.count;
    });
    await recordJobRun(sql, 'rollup', opts.instanceId, started, Date.now(), minutes);
    return { minutes, upTo: upTo.getTime() };
  });
}
