/**
 * `pnpm bench:samples-insert [--nodes 20000] [--per-node 720] [--batch 100] [--rounds 3] [--small 256MB] [--wal-compression pglz]`
 *
 * What one of ingest's sample inserts costs PostgreSQL once the day's partition holds real data, and how
 * much of that is the server's buffers. Each round sends every node one sample, in batches of `--batch`
 * rows of random nodes (what one group commit holds at 4,000 reports/s), as `insert … on conflict do
 * nothing` into `samples`, each under EXPLAIN (ANALYZE, BUFFERS, WAL). On one embedded PostgreSQL:
 *
 * 1. `empty`: the partition empty, shared_buffers `--small` (the reference: nothing to miss).
 * 2. `full_small`: after `--per-node` rows per node (720 = an hour at 5 s: 14.4 million rows at 20,000
 *    nodes) written into the same day, vacuumed and checkpointed, still at `--small`.
 * 3. `full_default`: the same data after a restart with the embedded server's own settings
 *    (collector/src/db/embedded.ts embeddedSettings, from this machine's memory), checkpointed again;
 *    with `--wal-compression`, that setting too (what compressing the full-page images costs).
 *
 * Figures per phase and round: ms per batch (execution time as PostgreSQL reports it), shared buffer
 * reads (pages from outside the buffers), pages dirtied, full-page images and MB of WAL written. Round 0
 * of a full phase follows a checkpoint: its first write to each page logs the whole page. Ratios against
 * `empty` in the same run. Writes bench/out/samples-insert.json.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { migrateDatabase, openDatabase } from '../collector/src/db/database.ts';
import { embeddedSettings, startEmbeddedPostgres } from '../collector/src/db/embedded.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string' },
    'per-node': { type: 'string' },
    batch: { type: 'string' },
    rounds: { type: 'string' },
    small: { type: 'string' },
    'wal-compression': { type: 'string' },
  },
});
const NODES = Number(values.nodes ?? 20_000);
const PER_NODE = Number(values['per-node'] ?? 720);
const BATCH = Number(values.batch ?? 100);
const ROUNDS = Number(values.rounds ?? 3);
const SMALL = values.small ?? '256MB';
const WAL_COMPRESSION = values['wal-compression'];
const ROOT = resolve(import.meta.dirname, '..');
const HOUR = 3_600_000;

interface Round {
  round: number;
  ms_per_batch: number;
  reads: number;
  dirtied: number;
  fpi: number;
  wal_mb: number;
}

const work = mkdtempSync(join(tmpdir(), 'timmy-bench-samples-'));
chmodSync(work, 0o711);
const dir = join(work, 'db');
const load0 = loadavg()[0]!;
const start = (settings: Record<string, string>) => startEmbeddedPostgres({ dir, database: 'bench_samples', settings });

let server = await start({ shared_buffers: SMALL });
let db = openDatabase(server.url, { max: 2, ingestMax: 1 });
let sql = db.sql;
const phases: Record<string, { shared_buffers: string; rounds: Round[] }> = {};
let seq = 1_000_000;
try {
  await migrateDatabase(server.url);
  await sql`insert into nodes (name, created_at) select 'bench-' || g, now() from generate_series(1, ${NODES}) g`;
  const ids = (await sql`select id::int8 as id from nodes order by id`).map((r) => Number(r.id));
  // Random order, fixed for the run: each batch holds nodes far apart in the indexes, as a commit does.
  const order = ids
    .map((id) => ({ id, k: Math.random() }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.id);
  const hour = Math.floor(Date.now() / HOUR) * HOUR - HOUR;

  const measure = async (label: string, sharedBuffers: string) => {
    const rounds: Round[] = [];
    for (let round = 0; round < ROUNDS; round++, seq++) {
      const r: Round = { round, ms_per_batch: 0, reads: 0, dirtied: 0, fpi: 0, wal_mb: 0 };
      let batches = 0;
      for (let off = 0; off < order.length; off += BATCH, batches++) {
        const [row] = await sql.unsafe(
          `explain (analyze, buffers, wal, format json)
           insert into samples (node_id, stream, seq, ts, received_at, at, live, ok, disk_pct, load1, mem_pct, agent_rss_kib, agent_cpu_s)
           select id, 'live', $2, now(), now(), now(), true, true, 60, 1, 40, 40000, 10 from unnest($1::int8[]) as id
           on conflict do nothing`,
          [order.slice(off, off + BATCH), seq],
        );
        const plan = (row!['QUERY PLAN'] as any)[0];
        r.ms_per_batch += plan['Execution Time'];
        r.reads += plan.Plan['Shared Read Blocks'];
        r.dirtied += plan.Plan['Shared Dirtied Blocks'];
        r.fpi += plan.Plan['WAL FPI'];
        r.wal_mb += plan.Plan['WAL Bytes'] / 1e6;
      }
      r.ms_per_batch = Math.round((r.ms_per_batch / batches) * 100) / 100;
      r.wal_mb = Math.round(r.wal_mb);
      rounds.push(r);
      console.log(`${label} (shared_buffers ${sharedBuffers}) round ${round}: ${JSON.stringify(r)}`);
    }
    phases[label] = { shared_buffers: sharedBuffers, rounds };
  };

  await sql`checkpoint`;
  await measure('empty', SMALL);

  console.log(`writing ${PER_NODE} samples for each of ${NODES} nodes into the same day…`);
  const t0 = performance.now();
  for (let off = 0; off < ids.length; off += 1000) {
    await sql`
      insert into samples (node_id, stream, seq, ts, received_at, at, live, ok, detail, disk_pct, load1, mem_pct, agent_rss_kib, agent_cpu_s)
      select n.id, 'prefill', k, t, t, t, true, true, null, 60, 1, 40, 40000, 10
      from unnest(${ids.slice(off, off + 1000)}::int8[]) as n(id)
      cross join generate_series(0, ${PER_NODE - 1}) k
      cross join lateral (select to_timestamp((${hour}::float8 + k * 5000) / 1000) as t) x`;
    if (off % 5000 === 0) console.log(`  ${off + 1000} nodes written`);
  }
  const prefillS = Math.round((performance.now() - t0) / 100) / 10;
  await sql`vacuum analyze samples`;
  const [size] = await sql`
    select sum(pg_relation_size(relid))::int8 as heap, sum(pg_indexes_size(relid))::int8 as indexes
    from pg_partition_tree('samples'::regclass) where isleaf`;
  await sql`checkpoint`;
  await measure('full_small', SMALL);

  await db.close();
  await server.stop();
  const defaults = embeddedSettings(totalmem());
  server = await start(WAL_COMPRESSION ? { wal_compression: WAL_COMPRESSION } : {});
  db = openDatabase(server.url, { max: 2, ingestMax: 1 });
  sql = db.sql;
  await sql`checkpoint`;
  await measure('full_default', defaults.shared_buffers!);

  // Steady rounds: all but the first (which follows a checkpoint, or a restart's cold buffers).
  const steady = (label: string) => {
    const rs = phases[label]!.rounds.slice(1);
    return Math.round((rs.reduce((n, r) => n + r.ms_per_batch, 0) / rs.length) * 100) / 100;
  };
  const ratio = (x: number, y: number) => Math.round((x / y) * 100) / 100;
  const figures = {
    nodes: NODES,
    rows_per_node: PER_NODE,
    rows: NODES * PER_NODE,
    batch_rows: BATCH,
    wal_compression_full_default: WAL_COMPRESSION ?? 'off',
    prefill_s: prefillS,
    samples_heap_mb: Math.round(Number(size!.heap) / 1e6),
    samples_indexes_mb: Math.round(Number(size!.indexes) / 1e6),
    phases,
    steady_ms_per_batch: { empty: steady('empty'), full_small: steady('full_small'), full_default: steady('full_default') },
    ratio_to_empty: {
      full_small: ratio(steady('full_small'), steady('empty')),
      full_default: ratio(steady('full_default'), steady('empty')),
      full_small_after_checkpoint: ratio(phases.full_small!.rounds[0]!.ms_per_batch, steady('empty')),
      full_default_after_checkpoint: ratio(phases.full_default!.rounds[0]!.ms_per_batch, steady('empty')),
    },
    machine: { total_memory_gb: Math.round(totalmem() / 2 ** 30), loadavg_start: load0, loadavg_end: loadavg()[0] },
    at: new Date().toISOString(),
  };
  console.log(JSON.stringify(figures.steady_ms_per_batch), JSON.stringify(figures.ratio_to_empty));
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/out/samples-insert.json'), JSON.stringify(figures, null, 2) + '\n');
  console.log('wrote bench/out/samples-insert.json');
} finally {
  await db.close().catch(() => {});
  await server.stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
