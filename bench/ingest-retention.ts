/**
 * Retention's cost, for `pnpm bench:ingest --rollup-hour`: an hour of raw samples for every node (what
 * an hour of ingest leaves, 720 rows per node at 5 s) is written into a day three days back, then the
 * collector's retention job runs once, unpaced, and its time is taken.
 *
 * - retention_measured_s: the job's statements for that hour of rows (plus its other, small deletes);
 * - retention_s: the same scaled to a day's worth of rows (× 24). Deleting rows one by one costs in
 *   proportion to the rows; dropping a day's partition costs a few file unlinks whatever its size, so for
 *   a partitioned table the × 24 overstates it (an upper bound);
 * - dead_tuples: dead row versions left in the samples table (all its partitions) after the run, which
 *   autovacuum must then clean (deleted rows leave one each; a dropped partition leaves none);
 * - deleted_rows and autovacuums: rows deleted and autovacuum runs on the samples table during the job (a
 *   long delete run lets autovacuum clean up behind it, which brings dead_tuples down at its own cost);
 * - insert_stall_ms: the longest a one-row insert into today's samples waited while the job ran (a probe
 *   inserting every 20 ms): how long ingest would have stood behind the job's locks;
 * - unlink_reference_s (partitioned table): the time this filesystem takes to delete a file as large as the
 *   dropped day (written, synced, then unlinked), measured after the job: a day's drop cannot cost less.
 *
 * Written without the collector's modules (the retention job and, for a partitioned table, the creation of
 * the day's partition are passed in), so the same measurement runs against any version of the schema.
 */
import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../collector/src/db/database.ts';

type Sql = Database['sql'];

const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RetentionFigures {
  retention_rows: number;
  insert_s: number;
  retention_measured_s: number;
  retention_s: number;
  insert_stall_ms: number;
  day_mb: number | null;
  unlink_reference_s: number | null;
  dead_tuples: number;
  deleted_rows: number;
  autovacuums: number;
}

type Stats = Map<string, { dead: number; deleted: number; autovacuums: number }>;

/** Activity counters of the samples table and each of its partitions (or itself, unpartitioned), by relation. */
async function samplesStats(sql: Sql): Promise<Stats> {
  // Statistics reach the shared counters after a transaction, at most once a second (an idle backend's within 10 s).
  await sleep(11_000);
  const rows = await sql`
    select relid::text as relid, n_dead_tup::int8 as dead, n_tup_del::int8 as deleted, autovacuum_count::int8 as autovacuums
    from pg_stat_user_tables
    -- pg_partition_tree lists nothing for a table that is not partitioned.
    where relid = 'samples'::regclass or relid in (select relid from pg_partition_tree('samples'::regclass))`;
  return new Map(
    rows.map((r) => [r.relid as string, { dead: Number(r.dead), deleted: Number(r.deleted), autovacuums: Number(r.autovacuums) }]),
  );
}

/** What changed between two snapshots, over the relations in both (a dropped partition's counters go with it). */
function statsDelta(before: Stats, after: Stats, key: 'deleted' | 'autovacuums'): number {
  let n = 0;
  for (const [relid, a] of after) n += a[key] - (before.get(relid)?.[key] ?? 0);
  return n;
}

/** Dead tuples of the samples table, over all its partitions (or itself, unpartitioned). */
export async function samplesDeadTuples(sql: Sql): Promise<number> {
  return [...(await samplesStats(sql)).values()].reduce((n, r) => n + r.dead, 0);
}

/** Seconds to unlink a synced file of `bytes` in the temporary directory (the database's filesystem in the bench). */
function unlinkReference(bytes: number): number {
  const file = join(tmpdir(), `timmy-unlink-reference-${process.pid}`);
  const chunk = Buffer.alloc(8 * 1024 * 1024, 1);
  const fd = openSync(file, 'w');
  try {
    for (let left = bytes; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, left));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const t = performance.now();
  unlinkSync(file);
  return (performance.now() - t) / 1000;
}

export async function measureRetention(
  sql: Sql,
  opts: {
    nodeIds: readonly number[];
    intervalS: number;
    now: number;
    /** Runs the collector's retention job once at `now`, unpaced. */
    retention: (now: number) => Promise<unknown>;
    /** Prepares the day (a partitioned table: creates its partition) before it is written. */
    prepareDay?: (day: number) => Promise<unknown>;
  },
): Promise<RetentionFigures> {
  const day = Math.floor(opts.now / DAY) * DAY - 3 * DAY;
  await opts.prepareDay?.(day);
  const perNode = Math.round(3600 / opts.intervalS);
  console.log(
    `retention: writing an hour of raw samples 3 days back, ${perNode} for each of ${opts.nodeIds.length} nodes (${(perNode * opts.nodeIds.length).toLocaleString('en')} rows)…`,
  );
  const t0 = performance.now();
  let rows = 0;
  for (let off = 0; off < opts.nodeIds.length; off += 1000) {
    const r = await sql`
      insert into samples (node_id, stream, seq, ts, received_at, at, live, ok, detail, disk_pct, load1, mem_pct, agent_rss_kib, agent_cpu_s)
      select n.id, 'retention', k, t, t, t, true, true, null, 60, 1, 40, 40000, 10 + k * 0.004
      from unnest(${opts.nodeIds.slice(off, off + 1000) as number[]}::int8[]) as n(id)
      cross join generate_series(0, ${perNode - 1}) k
      cross join lateral (select to_timestamp((${day}::float8 + k * ${opts.intervalS * 1000}) / 1000) as t) x`;
    rows += r.count;
  }
  const insertS = (performance.now() - t0) / 1000;
  // As autovacuum would have left them: no dead tuples before the run, statistics known.
  await sql`vacuum analyze samples`;
  const s0 = await samplesStats(sql);
  const partition = `samples_p${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;
  const [size] = await sql`select pg_total_relation_size(to_regclass(${partition}))::int8 as bytes`;
  const dayBytes = size?.bytes == null ? null : Number(size.bytes);
  console.log('retention: running the retention job once…');
  let probing = true;
  let stall = 0;
  const probe = (async () => {
    for (let seq = 1; probing; seq++) {
      const t = performance.now();
      await sql`
        insert into samples (node_id, stream, seq, ts, received_at, at, live, ok)
        values (${opts.nodeIds[0]!}, 'retention-probe', ${seq}, now(), now(), now(), true, true)`;
      stall = Math.max(stall, performance.now() - t);
      await sleep(20);
    }
  })();
  const t1 = performance.now();
  await opts.retention(opts.now);
  const measured = (performance.now() - t1) / 1000;
  probing = false;
  await probe;
  const unlinkS = dayBytes === null ? null : unlinkReference(dayBytes);
  const s1 = await samplesStats(sql);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    retention_rows: rows,
    insert_s: Math.round(insertS * 10) / 10,
    retention_measured_s: round(measured),
    retention_s: round(measured * 24),
    insert_stall_ms: Math.round(stall),
    day_mb: dayBytes === null ? null : Math.round(dayBytes / 1e6),
    unlink_reference_s: unlinkS === null ? null : round(unlinkS),
    dead_tuples: [...s1.values()].reduce((n, r) => n + r.dead, 0),
    deleted_rows: statsDelta(s0, s1, 'deleted'),
    autovacuums: statsDelta(s0, s1, 'autovacuums'),
  };
}
