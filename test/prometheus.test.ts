/**
 * The collector against real Prometheus tooling (Debian's `prometheus` package, installed in CI by
 * scripts/ci-deps.sh): `promtool check metrics` on a live /metrics, a real Prometheus scraping an
 * in-process collector on loopback and answering a node's uptime through PromQL, and the Grafana
 * dashboard / alert rules reading only metric names the collector exposes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, testCollector } from './support/harness.ts';
import { createTestDatabase } from './support/pg.ts';
import { ROOT, freePort, waitFor } from './support/processes.ts';
import { exposedNames, hasCommand, promqlMetricNames } from './support/promql.ts';

const H = 3_600_000;
const havePromtool = hasCommand('promtool');
const havePrometheus = hasCommand('prometheus');

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
let url: string;
let exposition: string;
const clock = new ManualClock(Date.now());

beforeAll(async () => {
  db = await createTestDatabase('prom', { migrated: true });
  c = await testCollector(db.url, clock);
  const { nodeId } = await c.register('prom-node', { operator: 'alice', region: 'eu' });
  const now = clock.now;
  const sql = c.database.sql;
  for (const [state, s, e] of [
    ['UP', now - 24 * H, now - 14 * H],
    ['DOWN', now - 14 * H, now - 13 * H],
    ['UP', now - 13 * H, null],
  ] as const) {
    await sql`insert into state_intervals (node_id, state, start_at, end_at, cause, evidence) values (${nodeId}, ${state}, ${new Date(s)}, ${e === null ? null : new Date(e)}, 'heartbeat', '{}'::jsonb)`;
  }
  await sql`update nodes set current_state = 'UP', state_since = ${new Date(now - 13 * H)}, last_hb_at = ${new Date(now - 2000)}, clock_skew_ms = 120 where id = ${nodeId}`;
  await sql`insert into node_check_status (node_id, name, probe, status, message, sla_critical, since, updated_at)
    values (${nodeId}, 'gateway', 'systemd', 'ok', 'active', true, ${new Date(now)}, ${new Date(now)}),
           (${nodeId}, 'disk:/', 'disk', 'warn', '87% used', false, ${new Date(now)}, ${new Date(now)})`;
  // Some traffic so histograms and counters have series.
  await c.app.inject({ method: 'POST', url: '/v1/reports', payload: {} });
  url = (await c.app.listen({ host: '127.0.0.1', port: 0 })).replace('[::1]', '127.0.0.1');
  exposition = await (await fetch(`${url}/metrics`)).text();
});
afterAll(async () => {
  await c?.close();
  await db?.drop();
});

describe('/metrics', () => {
  it('exposes per-node, per-check, per-operator and fleet figures', () => {
    const names = exposedNames(exposition);
    for (const n of [
      'timmy_node_up',
      'timmy_node_last_report_age_seconds',
      'timmy_node_uptime_ratio',
      'timmy_node_check_status',
      'timmy_operator_uptime_ratio',
      'timmy_region_uptime_ratio',
      'timmy_fleet_uptime_ratio',
      'timmy_operator_sla_target_ratio',
      'timmy_fleet_sla_target_ratio',
      'timmy_ingest_request_duration_seconds',
      'process_cpu_seconds_total',
    ]) {
      expect(names, n).toContain(n);
    }
    expect(exposition).toContain('timmy_node_check_status{node="prom-node",check="disk:/",probe="disk"} 1');
    expect(exposition).toContain('timmy_operator_sla_target_ratio{operator="alice",tier="certified"} 0.995');
    expect(exposition).not.toMatch(/admin-token-for-tests/);
  });

  it.skipIf(!havePromtool)(
    'passes `promtool check metrics` with no output (skipped only when promtool is not installed: apt-get install prometheus)',
    () => {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
  );
});

describe.skipIf(!havePrometheus)('a real Prometheus (skipped only when the prometheus package is not installed)', () => {
  let prom: ChildProcess | undefined;
  let dir: string;
  let out = '';
  afterAll(async () => {
    if (prom && prom.exitCode === null) {
      const exited = new Promise((r) => prom!.once('exit', r));
      prom.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("scrapes the collector and answers a node's uptime through PromQL", async () => {
    dir = mkdtempSync(join(tmpdir(), 'timmy-prom-'));
    const target = new URL(url).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: timmy-collector\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    const port = await freePort();
    prom = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prom.stdout!.on('data', (d) => (out += d));
    prom.stderr!.on('data', (d) => (out += d));
    const query = encodeURIComponent('timmy_node_uptime_ratio{node="prom-node",window="30d"}');
    const value = await waitFor(
      "Prometheus to scrape the node's uptime",
      async () => {
        if (prom!.exitCode !== null) throw new Error(`prometheus exited: ${out}`);
        const r = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${query}`)).json()) as {
          data: { result: Array<{ value: [number, string] }> };
        };
        return r.data.result[0]?.value[1];
      },
      60_000,
      250,
    );
    const api = (await (await fetch(`${url}/v1/nodes/prom-node/uptime`)).json()) as { ratio: number };
    expect(Number(value)).toBeCloseTo(api.ratio, 9);
    expect(Number(value)).toBeCloseTo(23 / 24, 9);
    const up = (await (
      await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('up{job="timmy-collector"}')}`)
    ).json()) as { data: { result: Array<{ value: [number, string] }> } };
    expect(up.data.result[0]?.value[1]).toBe('1');
  });
});

describe('deploy/ reads only metric names the collector exposes', () => {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/dashboards/timmy-fleet.json'), 'utf8')) as {
    panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ name: string; query: { query: string } }> };
  };

  it('every Grafana panel and variable query', () => {
    const names = exposedNames(exposition);
    const exprs = [
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr }))),
      ...dashboard.templating.list.map((v) => ({
        where: `$${v.name}`,
        expr: v.query.query.replace(/^label_values\((.*),\s*\w+\)$/, '$1'),
      })),
    ];
    expect(exprs.length).toBeGreaterThan(15);
    const unknown = exprs.flatMap(({ where, expr }) =>
      promqlMetricNames(expr)
        .filter((n) => !names.has(n))
        .map((n) => `${where}: ${n}`),
    );
    expect(unknown).toEqual([]);
    // All three views are there.
    const titles = JSON.stringify(dashboard.panels.map((p) => p.title));
    expect(titles).toMatch(/Fleet overview/);
    expect(titles).toMatch(/Operator \$operator/);
    expect(titles).toMatch(/Node \$node/);
  });

  it("every alert rule (plus Prometheus's own `up`)", () => {
    const names = exposedNames(exposition);
    names.add('up');
    // Every expr in the rules file is one line (promtool check rules, in deploy.test.ts, validates the file).
    const text = readFileSync(join(ROOT, 'deploy/prometheus/timmy-fleet.rules.yml'), 'utf8');
    const exprs = [...text.matchAll(/^\s+expr:\s*(.+)$/gm)].map((m) => m[1]!);
    expect(exprs.length).toBeGreaterThan(5);
    const unknown = exprs.flatMap((e) =>
      promqlMetricNames(e)
        .filter((n) => !names.has(n))
        .map((n) => `${e}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('the metric-name extraction itself', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.99, sum by (le) (rate(timmy_x_bucket{a="b"}[5m]))) and on (node) max by (node) (timmy_y{operator="$operator"})',
      ).sort(),
    ).toEqual(['timmy_x_bucket', 'timmy_y']);
  });
});
