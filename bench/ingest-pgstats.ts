/**
 * `node bench/ingest-pgstats.ts <kept work dir>`: load-independent PostgreSQL figures of a finished
 * `BENCH_PG_STATS=1 BENCH_KEEP=1 pnpm bench:ingest` run, its database restarted from the kept directory
 * (works on the work directory of any revision's bench, whose own BENCH_PG_STATS output has no buffers):
 *
 * - per statement (pg_stat_statements): calls, total and mean time, shared buffers (hit + read) per call
 *   and per row. Buffers do not depend on the machine's load; times do.
 * - EXPLAIN (ANALYZE, BUFFERS) of settle's two reads of `samples` (services/settle.ts: the three points
 *   before `from`, and the points from `from` on) for the first 500 nodes, on the database as the run left it.
 */
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../collector/src/db/embedded.ts';
import { openDatabase } from '../collector/src/db/database.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node bench/ingest-pgstats.ts <kept work dir>');
const pg = await startEmbeddedPostgres({
  dir: join(dir, 'db'),
  database: 'bench_ingest',
  settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' },
});
const database = openDatabase(pg.url, { max: 1 });
const sql = database.sql;
try {
  console.table(
    await sql.unsafe(`
      select calls, round(total_exec_time)::int as ms, round(mean_exec_time::numeric, 2) as mean_ms,
             round((shared_blks_hit + shared_blks_read)::numeric / calls, 1) as bufs_per_call,
             round((shared_blks_hit + shared_blks_read)::numeric / nullif(rows, 0), 2) as bufs_per_row, rows,
             left(regexp_replace(query, '\\s+', ' ', 'g'), 90) as q
      from pg_stat_statements where calls > 0 order by shared_blks_hit + shared_blks_read desc limit 14`),
  );
  const ids = (await sql<{ id: number }[]>`select id::int8 as id from nodes order by id limit 500`).map((r) => Number(r.id));
  const cols = ['at', 'live', 'ok', 'detail', 'stream', 'seq', 'ts', 'lag_ms', 'uptime_s'];
  const sCols = cols.map((c) => `s.${c}`).join(', ');
  const at = (ms: number) => sql.json(ids.map((id) => ({ id, f: new Date(ms).toISOString() })) as never);
  const explain = 'explain (analyze, buffers, costs off, timing off, summary off)';
  const reads = {
    back: `${explain} select x.id::int8 as id, ${sCols} from jsonb_to_recordset($1::jsonb) as x(id int8, f timestamptz)
      cross join lateral (select ${cols.join(', ')} from samples where node_id = x.id and at < x.f order by at desc limit 3) s`,
    points: `${explain} select s.node_id::int8 as id, ${sCols} from jsonb_to_recordset($1::jsonb) as x(id int8, f timestamptz)
      join samples s on s.node_id = x.id and s.at >= x.f and s.at < now() order by s.node_id, s.at`,
  };
  for (const [name, q] of Object.entries(reads)) {
    console.log(`\n${name} (${ids.length} nodes):`);
    const plan = await sql.unsafe(q, [name === 'back' ? at(Date.now()) : at(Date.now() - 600_000)] as never);
    for (const r of plan) console.log(r['QUERY PLAN']);
  }
} finally {
  await database.close();
  await pg.stop();
}
