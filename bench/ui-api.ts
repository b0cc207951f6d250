/**
 * `pnpm bench:ui-api [--nodes 10000] [--operators 100] [--rounds 20]`
 *
 * The API calls the console's pages make, against a collector (in process, on an embedded PostgreSQL)
 * holding the console fixture fleet (test/support/console-fixture.ts: 95 days of intervals, a closed
 * month, incidents, maintenance) at 10,000 nodes of 100 operators. The clock stands still at the
 * fixture's `now`.
 *
 * Figures: api_p95_ms (every call of every page, `rounds` rounds; the status page's 30 s cache and the
 * fleet overview's 10 s cache serve the repeats, as they serve a crowd of readers), per-call p50/p95,
 * status_compute_ms (the status page computed with its cache cold: the 87 older days read once, then
 * kept 10 minutes) and status_refresh_ms (recomputed after its 30 s: only the 3 recent days read), and
 * seed_s. Writes bench/out/ui-api.json.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../collector/src/config.ts';
import { startEmbeddedPostgres } from '../collector/src/db/embedded.ts';
import { assemble, createLogger } from '../collector/src/runtime.ts';
import { seedConsoleFixture } from '../test/support/console-fixture.ts';

const { values } = parseArgs({ options: { nodes: { type: 'string' }, operators: { type: 'string' }, rounds: { type: 'string' } } });
const NODES = Number(values.nodes ?? 10_000);
const OPERATORS = Number(values.operators ?? 100);
const ROUNDS = Number(values.rounds ?? 20);
const ROOT = resolve(import.meta.dirname, '..');
const now = Date.UTC(2026, 11, 2, 10, 30);

const ms = (t: number) => Math.round(t * 10) / 10;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

const work = mkdtempSync(join(tmpdir(), 'timmy-bench-ui-api-'));
chmodSync(work, 0o711);
console.log('starting embedded PostgreSQL…');
const pg = await startEmbeddedPostgres({ dir: join(work, 'db'), database: 'bench_ui_api' });
let clockNow = now;
const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), databaseUrl: pg.url };
const c = await assemble(config, pg.url, () => clockNow, createLogger('silent'));
try {
  console.log(`seeding the console fixture: ${NODES} nodes of ${OPERATORS} operators…`);
  const t0 = performance.now();
  const f = await seedConsoleFixture(c.database.sql, { nodes: NODES, operators: OPERATORS, now });
  const seedS = (performance.now() - t0) / 1000;
  console.log(`  seeded in ${seedS.toFixed(1)} s`);

  const call = async (url: string, token: string) => {
    const s = performance.now();
    const r = await c.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    const t = performance.now() - s;
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
    return t;
  };
  // Cold status page (the first reader after a start), then a refresh after its 30 s.
  const statusCompute = await call('/v1/status', f.tokens.lead);
  clockNow += 31_000;
  const statusRefresh = await call('/v1/status', f.tokens.lead);
  clockNow = now;

  const node = f.agent.node;
  const pages: Record<string, Array<[string, string]>> = {
    status: [['/v1/status', f.tokens.lead]],
    fleet: [
      ['/v1/fleet/overview', f.tokens.lead],
      ['/v1/nodes?state=DOWN&limit=50', f.tokens.lead],
      ['/v1/nodes?state=UNKNOWN&limit=50', f.tokens.lead],
      ['/v1/nodes?state=MAINTENANCE&limit=50', f.tokens.lead],
      ['/v1/incidents?status=unresolved&limit=100', f.tokens.lead],
      ['/v1/regions/coverage', f.tokens.lead],
      ['/v1/fleet/uptime/days?days=90', f.tokens.lead],
      ['/v1/operators', f.tokens.lead],
    ],
    operator: [
      [`/v1/operators/${f.a}/nodes`, f.tokens.operatorA],
      [`/v1/operators/${f.a}/uptime?month=2026-12`, f.tokens.operatorA],
      [`/v1/operators/${f.a}/nodes/uptime/days?days=90&limit=50`, f.tokens.operatorA],
      [`/v1/operators/${f.a}/pay/estimate`, f.tokens.operatorA],
      [`/v1/disputes?operator=${f.a}`, f.tokens.operatorA],
      [`/v1/operators/${f.a}/incidents`, f.tokens.operatorA],
      [`/v1/operators/${f.a}/statements/${f.closedMonth}`, f.tokens.operatorA],
      [`/v1/operators/${f.a}/maintenance`, f.tokens.operatorA],
    ],
    node: [
      [`/v1/nodes/${node}/overview`, f.tokens.operatorA],
      [`/v1/nodes/${node}/uptime/days?days=90`, f.tokens.operatorA],
      [`/v1/nodes/${node}/uptime?window=7d&intervals=true`, f.tokens.operatorA],
      [`/v1/nodes/${node}/series`, f.tokens.operatorA],
    ],
  };
  const times: Record<string, number[]> = {};
  const all: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const calls of Object.values(pages))
      for (const [url, token] of calls) {
        const t = await call(url, token);
        (times[url] ??= []).push(t);
        all.push(t);
      }
    clockNow += 2_000; // the caches expire as they would with readers arriving over time
  }
  const perCall = Object.fromEntries(Object.entries(times).map(([u, t]) => [u, { p50_ms: ms(pct(t, 50)), p95_ms: ms(pct(t, 95)) }]));
  const figures = {
    api_p95_ms: ms(pct(all, 95)),
    api_p50_ms: ms(pct(all, 50)),
    status_compute_ms: ms(statusCompute),
    status_refresh_ms: ms(statusRefresh),
    calls: perCall,
    nodes: NODES,
    operators: OPERATORS,
    rounds: ROUNDS,
    seed_s: Math.round(seedS * 10) / 10,
    target: { api_p95_ms: 100 },
    /** The machine's 1-minute load average when the run ended (2 cores): other work on it slows every figure. */
    load_average_1m: Math.round(loadavg()[0]! * 10) / 10,
    measuredAt: new Date().toISOString(),
  };
  console.log(JSON.stringify(figures, null, 2));
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/out/ui-api.json'), `${JSON.stringify(figures, null, 2)}\n`);
} finally {
  await c.app.close();
  await c.database.close();
  await pg.stop();
  rmSync(work, { recursive: true, force: true });
}
