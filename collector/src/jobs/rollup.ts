/**
 * The rollup job: per-minute metric rollups from the raw samples' compact columns, stored one row per
 * (node, UTC hour) with the minutes in arrays (see db/schema/rollups.ts; percentages, load and agent CPU
 * in hundredths, rounded and clamped here). Runs under an advisory lock (once across collectors).
 *
 * An hour is written only once it is complete: its end plus `lagMs` has passed. Each run scans the samples
 * that arrived since the watermark (by `received_at`, BRIN-indexed) for the (node, hour) pairs they touch:
 * pairs of complete hours are recomputed whole from raw now (so a late sample for an old hour recomputes
 * that hour, and a run that repeats a stretch is harmless); pairs of hours still in progress go to
 * `rollup_pending` and are recomputed by the first run that sees their hour complete. So the top of the
 * hour costs the aggregation of that hour, never a scan of its arrivals, and every run reads only the
 * arrivals of the last minute or two.
 *
 * The hour in progress has no row: readers of the last hour aggregate raw samples (kept 48 h) per minute.
 *
 * The scanned stretch starts `overlapMs` before the watermark: a transaction that committed after the
 * previous run read past its `received_at` (a slow group commit) is still seen. It ends `lagMs` before
 * now. Raw samples live longer (48 h) than any sample may arrive late, so an hour is always recomputable.
 * Every statement is paced (jobs/pace.ts): the hourly aggregation of 20,000 nodes is spread out on one core.
 */
import type postgres from 'postgres';
import { LOCKS, withTryLock } from '../db/database.ts';
import { ROLLUP_MINUTE_COLUMNS, toHundredths } from '../db/rollup-columns.ts';
import { recordJobRun } from './runs.ts';
import { DEFAULT_PAUSE_RATIO, oneCore, paced } from './pace.ts';

export interface RollupOptions {
  instanceId: string;
  lagMs?: number;
  overlapMs?: number;
  /** On the first run (no watermark), how far back to start. */
  initialMs?: number;
  /** Arrivals are scanned in slices at least this long (ms of `received_at`), 12 at most. */
  sliceMs?: number;
  /** (node, hour) pairs recomputed per statement. */
  batch?: number;
  /**
   * After each statement, pause this many times as long as it took (jobs/pace.ts). At the top of every
   * hour the job recomputes the hour just completed for every node (at 20,000 nodes, about 45 s of
   * PostgreSQL CPU): spread out and on one core, it leaves the cores to ingest. Tests pass 0.
   */
  pauseRatio?: number;
  /** The collector stopping: the run ends between two statements (see pace.ts). */
  signal?: AbortSignal;
}

const HOUR = 3_600_000;
const hourOf = (ms: number) => Math.floor(ms / HOUR) * HOUR;
export async function runRollup(sql: postgres.Sql, now: number, opts: RollupOptions): Promise<{ hours: number; upTo: number } | undefined> {
  const lagMs = opts.lagMs ?? 5_000;
  const overlapMs = opts.overlapMs ?? 60_000;
  const sliceMs = opts.sliceMs ?? 5 * 60_000;
  const batch = opts.batch ?? 500;
  const pauseRatio = opts.pauseRatio ?? DEFAULT_PAUSE_RATIO;
  return withTryLock(sql, LOCKS.rollup, async () => {
    const started = Date.now();
    const upTo = now - lagMs;
    /** Hours before this one are complete. */
    const complete = new Date(hourOf(upTo));
    const [wm] = await sql<{ up_to: Date }[]>`select up_to from job_watermarks where job = 'rollup'`;
    const from = wm ? wm.up_to.getTime() - overlapMs : now - (opts.initialMs ?? 48 * HOUR);

    // 1. The (node, hour) pairs touched by arrivals since the watermark, in up to 12 slices of arrival time
    //    of at least `sliceMs` (a minute's run is one slice). Hours in progress are remembered as pending.
    const touched = new Map<string, { node_id: string; hour: string }>();
    type Touched = { node_id: string; hour: Date };
    const add = (rows: readonly Touched[]) => {
      for (const r of rows) {
        const hour = r.hour.toISOString();
        touched.set(`${r.node_id}/${hour}`, { node_id: r.node_id, hour });
      }
    };
    const slices = Math.max(1, Math.min(12, Math.ceil((upTo - from) / sliceMs)));
    for (let k = 0; k < slices; k++) {
      const a = from + ((upTo - from) * k) / slices;
      const b = k === slices - 1 ? upTo : from + ((upTo - from) * (k + 1)) / slices;
      add(
        await paced(
          pauseRatio,
          () =>
            oneCore(
              sql,
              (tx) => tx<Touched[]>`
            with t as (
              select distinct node_id, date_trunc('hour', at, 'UTC') as hour
              from samples where received_at >= ${new Date(a)} and received_at ${k === slices - 1 ? tx`<=` : tx`<`} ${new Date(b)}
            ), p as (
              insert into rollup_pending (node_id, hour) select node_id, hour from t where hour >= ${complete} on conflict do nothing
            )
            select node_id::text as node_id, hour from t where hour < ${complete}`,
            ),
          opts.signal,
        ),
      );
    }
    // 2. Pending hours that have completed since.
    add(await sql<Touched[]>`select node_id::text as node_id, hour from rollup_pending where hour < ${complete}`);

    // 3. Each touched hour recomputed whole from raw, a batch of pairs per statement (which also clears
    //    them from pending). A pair without raw samples left writes nothing.
    const cols = sql.unsafe(ROLLUP_MINUTE_COLUMNS.join(', '));
    const h = (expr: string) => sql.unsafe(toHundredths(expr));
    const pairs = [...touched.values()];
    let hours = 0;
    for (let i = 0; i < pairs.length; i += batch) {
      const r = await paced(
        pauseRatio,
        () =>
          oneCore(
            sql,
            (tx) => tx`
          with touched as (
            select node_id, hour from jsonb_to_recordset(${tx.json(pairs.slice(i, i + batch) as never)}::jsonb) as x(node_id int8, hour timestamptz)
          ), done as (
            delete from rollup_pending p using touched t where p.node_id = t.node_id and p.hour = t.hour
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
          having count(m.samples) > 0
          on conflict (node_id, hour) do update set (${cols}) = (${sql.unsafe(ROLLUP_MINUTE_COLUMNS.map((c) => `excluded.${c}`).join(', '))})`,
          ),
        opts.signal,
      );
      hours += r.count;
    }
    // 4. The watermark moves only once every batch is in: a run cut short is redone (upserts), and what
    //    it had left of the pending pairs is still there.
    await sql`
      insert into job_watermarks (job, up_to) values ('rollup', ${new Date(upTo)})
      on conflict (job) do update set up_to = greatest(job_watermarks.up_to, excluded.up_to)`;
    await recordJobRun(sql, 'rollup', opts.instanceId, started, Date.now(), hours);
    return { hours, upTo };
  });
}
