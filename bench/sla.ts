/**
 * `pnpm bench:sla [--nodes 10000] [--raw-nodes 20] [--operators 100]`
 *
 * A database holding what 30 days of ingest at the default interval (5 s) leaves under the default
 * retention, generated directly:
 * - state intervals for every node over 30 days with realistic outages (a few DOWN stretches of minutes
 *   to an hour per node and month, an UNKNOWN stretch for a collector restart shared by the fleet);
 * - nodes, operators and node_check_status rows for every node (what /metrics reads);
 * - raw samples (48 h × 17,280/day = 34,560 rows per node) and per-minute rollups (30 × 24 = 720 hour rows
 *   per node, 60 minutes each) for `--raw-nodes` nodes only: 10,000 × 34,560 = 345 M raw rows do not fit
 *   this machine's time budget. bytes_per_node_30d is measured on those nodes (table + index bytes / nodes)
 *   and stated as such; the queries below read only intervals and node rows, so they are measured at full
 *   scale. Both are written in the order ingest and the rollup job write them: raw samples in time order
 *   across the nodes (each node every 5 s, at its own phase), rollups hour by hour for all nodes, so the
 *   btree indexes split pages as they do in production. Rollup values vary per minute like real ones
 *   (noisy averages and maxima, disk % creeping up), stored in hundredths as the rollup job stores them,
 *   and minutes inside a node's DOWN intervals have no sample (null).
 *
 * Figures: fleet_30d_ms (every node's rolling 30-day totals, one query), node_30d_ms (one node),
 * operator_month_ms (one operator's nodes over a calendar month), bytes_per_node_30d, scrape_ms
 * (GET /metrics with every node). Medians of repeated runs. Writes bench/out/sla.json.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedPostgres } from '../collector/src/db/embedded.ts';
import { loadConfig } from '../collector/src/config.ts';
import { assemble, createLogger } from '../collector/src/runtime.ts';
import { fleetTotals, nodeUptime } from '../collector/src/services/uptime.ts';
import { ROLLUP_MINUTE_COLUMNS, toHundredths } from '../collector/src/db/rollup-columns.ts';
import { seedFleet } from './seed-fleet.ts';

const { values } = parseArgs({ options: { nodes: { type: 'string' }, 'raw-nodes': { type: 'string' }, operators: { type: 'string' } } });
const NODES = Number(values.nodes ?? 10_000);
const RAW_NODES = Number(values['raw-nodes'] ?? 20);
const OPERATORS = Number(values.operators ?? 100);
const ROOT = resolve(import.meta.dirname, '..');
const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 21, 12, 0, 0);
const from = now - 30 * DAY;

const median = async (n: number, fn: () => Promise<unknown>) => {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return Math.round(t[Math.floor(t.length / 2)]! * 10) / 10;
};

const work = mkdtempSync(join(tmpdir(), 'timmy-bench-sla-'));
chmodSync(work, 0o711);
console.log('starting embedded PostgreSQL…');
const pg = await startEmbeddedPostgres({ dir: join(work, 'db'), database: 'bench_sla' });
const config = { ...loadConfig({ LOG_LEVEL: 'silent', TIMMY_ANONYMOUS_READ: 'true' }), databaseUrl: pg.url };
const c = await assemble(config, pg.url, () => now, createLogger('silent'));
const sql = c.database.sql;
try {
  console.log(`generating ${NODES} nodes, 30 days of intervals…`);
  const intervalRows = await seedFleet(sql, { nodes: NODES, operators: OPERATORS, from, now });
  await sql`
    insert into node_check_status (node_id, name, probe, status, message, sla_critical, value, since, updated_at)
    select n.id, c.name, c.probe, 'ok', 'fine', c.crit, null, ${new Date(from)}, ${new Date(now)}
    from nodes n cross join (values ('gateway', 'systemd', true), ('system', 'system', false), ('disk:/', 'disk', false)) as c(name, probe, crit)`;

  console.log(`generating raw samples (48 h) and rollups (30 d) for ${RAW_NODES} nodes…`);
  // Live sample g of node n (every 5 s, node n at phase n/RAW_NODES of the interval), as ingest stores it:
  // one expression per samples column, so a change of that table is a change here.
  const sampleColumns: Record<string, string> = {
    node_id: 'n',
    stream: "'stream' || lpad(n::text, 6, '0')",
    seq: 'g',
    ts: 't',
    received_at: 't',
    at: 't',
    live: 'true',
    ok: 'true',
    detail: 'null',
    disk_pct: '61.5',
    load1: '0.42 + (g % 7) / 10.0',
    mem_pct: '43.2',
    agent_rss_kib: '40960 + g % 300',
    agent_cpu_s: '10 + g * 0.004',
    lag_ms: '20 + g % 50',
    uptime_s: '86400 + g * 5',
  };
  await sql.unsafe(
    `insert into samples (${Object.keys(sampleColumns).join(', ')})
     select ${Object.values(sampleColumns).join(', ')}
     from generate_series(1, 34560) g, generate_series(1, $2::int) n,
       lateral (select $1::timestamptz + g * interval '5 seconds' + n * 5000 / $2::int * interval '1 millisecond' as t) x
     order by g, n`,
    [new Date(now - 2 * DAY), RAW_NODES],
  );
  // Rollups: per minute what the rollup job computes from such samples; u(k) is uniform in [0, 1).
  const u = (k: number) => `(abs(hashint8(n * 1000003 + m * 17 + ${k})) % 100000) / 100000.0`;
  await sql.unsafe(
    `insert into metric_rollups (node_id, hour, ${ROLLUP_MINUTE_COLUMNS.join(', ')})
     select n, hour, ${ROLLUP_MINUTE_COLUMNS.map((c) => `array_agg(${c} order by i)`).join(', ')}
     from (
       select n, hour, i, case when up then (12 + (${u(1)} < 0.03)::int - (${u(2)} < 0.03)::int)::int2 end as samples,
         case when up then ${toHundredths('61.5 + m * 0.00002')} end as disk_pct_max,
         case when up then ${toHundredths('load1_avg')} end as load1_avg, case when up then ${toHundredths(`load1_avg + 0.4 * ${u(3)}`)} end as load1_max,
         case when up then ${toHundredths('mem_pct_avg')} end as mem_pct_avg, case when up then ${toHundredths(`mem_pct_avg + 0.3 * ${u(4)}`)} end as mem_pct_max,
         case when up then 58000 + (${u(5)} * 3000)::int end as agent_rss_kib_max, case when up then ${toHundredths(`0.04 + 0.08 * ${u(6)}`)} end as agent_cpu_pct
       from generate_series(0, 719) h, generate_series(1, $2::int) n, generate_series(0, 59) i,
         lateral (select $1::timestamptz + h * interval '1 hour' as hour, h * 60 + i as m) x,
         lateral (select 0.2 + 1.2 * ${u(7)} as load1_avg, 40 + 8 * ${u(8)} as mem_pct_avg,
           not exists (select 1 from state_intervals si where si.node_id = n and si.state = 'DOWN' and si.start_at <= x.hour + i * interval '1 minute'
                       and si.end_at > x.hour + i * interval '1 minute') as up) v
     ) per_minute
     group by hour, n
     order by hour, n`,
    [new Date(from), RAW_NODES],
  );
  await sql`vacuum analyze`;
  const [sizes] = await sql`
    select (select sum(pg_total_relation_size(relid)) from pg_partition_tree('samples'))::int8 as samples, pg_total_relation_size('metric_rollups')::int8 as rollups,
           pg_total_relation_size('state_intervals')::int8 as intervals`;
  const bytesPerNode = Math.round(
    Number(sizes!.samples) / RAW_NODES + Number(sizes!.rollups) / RAW_NODES + Number(sizes!.intervals) / NODES,
  );
  const [detail] = await sql`
    select ((select sum(pg_relation_size(relid)) from pg_partition_tree('samples')) / ${RAW_NODES})::int as samples_heap_per_node,
      -- samples is partitioned (by day): each of its indexes summed over the partitions.
      (select jsonb_object_agg(c.relname, (select sum(pg_relation_size(relid)) from pg_partition_tree(c.oid)) / ${RAW_NODES})
         from pg_index x join pg_class c on c.oid = x.indexrelid where x.indrelid = 'samples'::regclass) as samples_indexes_per_node,
      (select round(avg(pg_column_size(r.*))) from metric_rollups r)::int as rollup_row_bytes_avg,
      (select count(*) from metric_rollups where array_position(samples, null) is not null)::int as rollup_rows_with_gaps`;

  console.log('measuring…');
  const month = { start: Date.UTC(2026, 10, 1), end: Date.UTC(2026, 11, 1) };
  const figures = {
    fleet_30d_ms: await median(7, () => fleetTotals(sql, from, now, now)),
    node_30d_ms: await median(51, () => nodeUptime(sql, 1 + Math.floor(Math.random() * NODES), from, now, now)),
    operator_month_ms: await median(
      21,
      () => sql`
      select i.node_id, i.state, sum(extract(epoch from (least(coalesce(i.end_at, ${new Date(now)}), ${new Date(Math.min(month.end, now))}) - greatest(i.start_at, ${new Date(month.start)})))) as s
      from nodes n join state_intervals i on i.node_id = n.id
      where n.operator_id = ${1 + Math.floor(Math.random() * OPERATORS)} and i.start_at < ${new Date(Math.min(month.end, now))} and (i.end_at is null or i.end_at > ${new Date(month.start)})
      group by i.node_id, i.state`,
    ),
    bytes_per_node_30d: bytesPerNode,
    scrape_ms: await median(5, async () => {
      const r = await c.app.inject({ method: 'GET', url: '/metrics' });
      if (r.statusCode !== 200) throw new Error(`/metrics ${r.statusCode}`);
    }),
    bytes_breakdown: {
      samples_per_node: Math.round(Number(sizes!.samples) / RAW_NODES),
      rollups_per_node: Math.round(Number(sizes!.rollups) / RAW_NODES),
      intervals_per_node: Math.round(Number(sizes!.intervals) / NODES),
    },
    setup: {
      nodes: NODES,
      operators: OPERATORS,
      interval_rows: intervalRows,
      raw_and_rollup_nodes: RAW_NODES,
      raw_rows_per_node: 34_560,
      rollup_rows_per_node: 720,
      ...detail,
      note: `intervals, nodes and check rows for all ${NODES} nodes (what every query reads); raw samples and rollups for ${RAW_NODES} nodes only, bytes_per_node_30d = their bytes / ${RAW_NODES} + interval bytes / ${NODES}`,
    },
    target: { fleet_30d_ms: 250, node_30d_ms: 10, operator_month_ms: 100, bytes_per_node_30d: 10 * 1024 * 1024, scrape_ms: 500 },
    measuredAt: new Date().toISOString(),
  };
  console.log(JSON.stringify(figures, null, 2));
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/out/sla.json'), JSON.stringify(figures, null, 2) + '\n');
} finally {
  await c.app.close();
  await c.database.close();
  await pg.stop();
  rmSync(work, { recursive: true, force: true });
}
