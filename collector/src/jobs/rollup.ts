/**
 * The rollup job: per-minute metric rollups from the raw samples' compact columns, stored one row per
 * (node, UTC hour) with the minutes in arrays (see db/schema/rollups.ts; percentages, load and agent CPU
 * in hundredths, rounded and clamped here). Runs under an advisory lock (once across collectors).
 *
 * An hour is written only once it is complete: its end plus `lagMs` has passed. Each run finds the
 * (node, hour) pairs touched by samples that arrived since the watermark (by `received_at`, BRIN-indexed)
 * and recomputes those hours whole from raw, so a late sample for an old hour just recomputes that hour,
 * and a run that repeats a stretch is harmless. Samples of the hour in progress are left for the run that
 * sees the hour complete: when the watermark's hour has completed, the scan starts at that hour's start
 * (`at <= received_at`, so every sample of the hours completed since has arrived after it). So a full
 * scan of an hour's arrivals happens once per hour; the other runs read the last minute or two.
 *
 * The hour in progress has no row: readers of the last hour aggregate raw samples (kept 48 h) per minute.
 *
 * The scanned stretch starts `overlapMs` before the watermark: a transaction that committed after the
 * previous run read past its `received_at` (a slow group commit) is still seen. It ends `lagMs` before
 * now. Raw samples live longer (48 h) than any sample may arrive late, so an hour is always recomputable.
 */
import type postgres from 'postgres';
import { LOCKS, withTryLock } from '../db/database.ts';
import { ROLLUP_MINUTE_COLUMNS, toHundredths } from '../db/schema/rollups.ts';
import { recordJobRun } from './runs.ts';

export interface RollupOptions {
  instanceId: string;
  lagMs?: number;
  overlapMs?: number;
  /** On the first run (no watermark), how far back to start. */
  initialMs?: number;
}

const HOUR = 3_600_000;
const hourOf = (ms: number) => Math.floor(ms / HOUR) * HOUR;

export async function runRollup(sql: postgres.Sql, now: number, opts: RollupOptions): Promise<{ hours: number; upTo: number } | undefined> {
  const lagMs = opts.lagMs ?? 5_000;
  const overlapMs = opts.overlapMs ?? 60_000;
  return withTryLock(sql, LOCKS.rollup, async () => {
    const started = Date.now();
    const upTo = now - lagMs;
    /** Hours before this one are complete. */
    const complete = hourOf(upTo);
    const [wm] = await sql`select up_to from job_watermarks where job = 'rollup'`;
    const last = wm ? (wm.up_to as Date).getTime() : undefined;
    let from = last === undefined ? now - (opts.initialMs ?? 48 * HOUR) : last - overlapMs;
    if (last !== undefined && hourOf(last) < complete) from = Math.min(from, hourOf(last));
    const cols = sql.unsafe(ROLLUP_MINUTE_COLUMNS.join(', '));
    const h = (expr: string) => sql.unsafe(toHundredths(expr));
    const hours = await sql.begin(async (tx) => {
      const r = await tx`
        with touched as (
          select distinct node_id, date_trunc('hour', at, 'UTC') as hour
          from samples where received_at >= ${new Date(from)} and received_at <= ${new Date(upTo)} and at < ${new Date(complete)}
        ), minutes as (
          select t.node_id, t.hour, extract(minute from s.at at time zone 'UTC')::int as i,
            least(count(*), 32767)::int2 as samples, ${h('max(s.disk_pct)')} as disk_pct_max, ${h('avg(s.load1)')} as load1_avg, ${h('max(s.load1)')} as load1_max,
            ${h('avg(s.mem_pct)')} as mem_pct_avg, ${h('max(s.mem_pct)')} as mem_pct_max, max(s.agent_rss_kib) as agent_rss_kib_max,
            case when max(s.at) > min(s.at) and max(s.agent_cpu_s) >= min(s.agent_cpu_s)
                 then ${h('(max(s.agent_cpu_s) - min(s.agent_cpu_s)) / extract(epoch from (max(s.at) - min(s.at))) * 100')} end as agent_cpu_pct
          from touched t
          join samples s on s.node_id = t.node_id and s.at >= t.hour and s.at < t.hour + interval '1 hour'
          group by t.node_id, t.hour, i
        )
        insert into metric_rollups (node_id, hour, ${cols})
        select t.node_id, t.hour, ${sql.unsafe(ROLLUP_MINUTE_COLUMNS.map((c) => `array_agg(m.${c} order by g.i)`).join(', '))}
        from touched t
        cross join generate_series(0, 59) as g(i)
        left join minutes m on m.node_id = t.node_id and m.hour = t.hour and m.i = g.i
        group by t.node_id, t.hour
        on conflict (node_id, hour) do update set (${cols}) = (${sql.unsafe(ROLLUP_MINUTE_COLUMNS.map((c) => `excluded.${c}`).join(', '))})`;
      await tx`
        insert into job_watermarks (job, up_to) values ('rollup', ${new Date(upTo)})
        on conflict (job) do update set up_to = greatest(job_watermarks.up_to, excluded.up_to)`;
      return r.count;
    });
    await recordJobRun(sql, 'rollup', opts.instanceId, started, Date.now(), hours);
    return { hours, upTo };
  });
}
