/// <reference lib="dom" />
/**
 * `pnpm bench:ui [--nodes 10000] [--operators 100] [--runs 5] [--browser-nice N]`
 *
 * The console's pages in a real browser: Debian's chromium (headless, through playwright-core) against a
 * real collector process on an embedded PostgreSQL (or a new database on DATABASE_URL's server) holding
 * the console fixture fleet (test/support/console-fixture.ts, seeded by startOwnConsoleFleet in
 * test/support/console-browser.ts, as the browser tests and `pnpm screenshots` do).
 *
 * For each of the fleet (fleet lead), operator (operator A), node (operator A's node with checks and 24 h of
 * rollups: five uPlot charts) and status (signed out) pages, `--runs` navigations, each in a fresh
 * browser context (cold HTTP cache, the session cookie of a sign-in made once per role beforehand), after
 * one warm-up navigation per page that is reported apart (the collector's caches are cold then):
 *
 * - draw_ms: from the navigation's start to the page *fully drawn*: `<main data-ready>`, which the console
 *   sets (console/src/lib/ready.ts) once every data load of the page has answered, every chart has
 *   been drawn, the result rendered and two frames have passed with nothing new started; its value is
 *   the page's performance.now() at that moment (ms since the navigation began, in the page's clock).
 *   Median of the runs, and every run.
 * - api_p95_ms: every API request the pages made in the measured runs (GET /v1/…, not the live event
 *   stream), from the request being sent to its last byte (playwright's request timing: requestStart →
 *   responseEnd; the time a request waits in the browser's queue for one of its six connections is
 *   left out), p95 over all of them, with p50/p95 per page and per path.
 * - js_gzip_kb: the JavaScript each page loaded (every /assets/*.js response of its warm-up navigation), gzipped (level 9, as
 *   console/build.ts counts it), summed.
 * - cpu_per_view_ms (per page, median per view, from /proc): how long the collector's main thread and
 *   PostgreSQL's processes ran and how long they waited, runnable, for a core, and the browser's CPU. An
 *   API call's time beyond the collector's own work is mostly that wait.
 *
 * Chromium is started as the browser tests start it (launchBrowser, test/support/chromium.sh): without the
 * omnibox popup's own pages, which chromium 156 otherwise builds in a renderer of their own for every new
 * context (each measured navigation here) and which took more CPU than the page's own renderer while its
 * API calls were out.
 *
 * The page is watched for drawn from inside (drawnAt: a MutationObserver) rather than polled every frame
 * through playwright (waitForSelector), whose polling took the browser's CPU while the page loaded.
 *
 * `--browser-nice N` runs chromium (and every process it starts) at niceness N, and gives its session
 * (autogroup) the same weight: with the kernel's autogroup scheduling a session competes as one whatever
 * its processes' niceness (launchBrowser). The browser stands in for a user's own machine; on this one
 * it shares the two cores with the collector and PostgreSQL, and while a page parses and draws it takes
 * the CPU the collector answers that page's calls with. Niced, it gets what they leave: a closer model of
 * API latency as a remote user sees it. The default (0) is the figure of record; the setting is written
 * to ui.json.
 *
 * Targets: each page < 1,000 ms, api_p95 < 100 ms, JS < 100 KB gzipped per page. Prints a table and writes
 * bench/out/ui.json (with the setup: nodes, operators, cores, load average at start and end).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import {
  type Browser,
  type BrowserContext,
  type Page,
  drawnAt,
  hasChromium,
  launchBrowser,
  signIn,
  startOwnConsoleFleet,
} from '../test/support/console-browser.ts';
import { cpuSeconds, livePids, procStat, schedstat } from './proc.ts';

const HELP = `pnpm bench:ui [--nodes 10000] [--operators 100] [--runs 5] [--browser-nice N]
  The console's fleet, operator, node and status pages in headless chromium against a collector on the
  console fixture fleet: navigation to fully drawn (median of --runs), the API calls' p95, the JavaScript
  each page loads (gzipped). --browser-nice N runs the browser at niceness N (0: as everything else).
  Writes bench/out/ui.json.`;
const { values } = parseArgs({
  options: {
    nodes: { type: 'string' },
    operators: { type: 'string' },
    runs: { type: 'string' },
    'browser-nice': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const NODES = Number(values.nodes ?? 10_000);
const OPERATORS = Number(values.operators ?? 100);
const RUNS = Number(values.runs ?? 5);
const BROWSER_NICE = Number(values['browser-nice'] ?? 0);
if (!(NODES >= 2 && OPERATORS >= 2 && RUNS >= 1 && Number.isInteger(BROWSER_NICE) && BROWSER_NICE >= 0 && BROWSER_NICE <= 19))
  throw new Error(`bad arguments: --nodes ${NODES} --operators ${OPERATORS} --runs ${RUNS} --browser-nice ${BROWSER_NICE}\n${HELP}`);
if (!hasChromium()) throw new Error('no /usr/bin/chromium: run bash scripts/ci-deps.sh (or apt-get install chromium)');

const ROOT = resolve(import.meta.dirname, '..');
const TARGET = { draw_ms: 1000, api_p95_ms: 100, js_gzip_kb: 100 };
const r1 = (x: number) => Math.round(x * 10) / 10;
const pct = (xs: number[], p: number) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const load = () => loadavg().map((x) => r1(x));

/**
 * Where the CPU went while a page loaded, from /proc (Linux): how long the collector's main thread (which
 * answers every API call) and the PostgreSQL server's processes ran and how long they waited, runnable,
 * for a core (schedstat: ns run, ns waited on a run queue), and the CPU the browser's processes used.
 * On two shared cores an API call's time is mostly the collector waiting for a core while the browser
 * draws: these figures tell that from the collector's own work.
 */
interface CpuAt {
  collectorRun: number;
  collectorWait: number;
  pgRun: number;
  pgWait: number;
  browser: number;
}
function cpuAt(collectorPid: number, postmasterPid: number): CpuAt {
  const [collectorRun, collectorWait] = schedstat(`/proc/${collectorPid}/task/${collectorPid}/schedstat`);
  const at: CpuAt = { collectorRun, collectorWait, pgRun: 0, pgWait: 0, browser: 0 };
  for (const pid of livePids()) {
    const st = procStat(pid);
    if (!st) continue;
    if (Number(pid) === postmasterPid || Number(st.fields[1]) === postmasterPid) {
      const [run, wait] = schedstat(`/proc/${pid}/schedstat`);
      at.pgRun += run;
      at.pgWait += wait;
    } else if (st.comm.startsWith('chrom')) at.browser += cpuSeconds(pid) * 1000;
  }
  return at;
}
const cpuSpent = (a: CpuAt, b: CpuAt): CpuAt => ({
  collectorRun: b.collectorRun - a.collectorRun,
  collectorWait: b.collectorWait - a.collectorWait,
  pgRun: b.pgRun - a.pgRun,
  pgWait: b.pgWait - a.pgWait,
  // A browser process that ended meanwhile (the context's renderer) is missing from b: never below zero.
  browser: Math.max(0, b.browser - a.browser),
});

const loadStart = load();
const started = Date.now();
// The alert cycle runs, as in production (every node read every 5 s); the seeded nodes have no agents, so
// it would page for all of them 5 minutes in, after the measurements. BENCH_NO_ALERTS=1 leaves it off, to
// see its share of the API times (the figures are then not the production ones).
const fleet = await startOwnConsoleFleet('bench-ui', {
  nodes: NODES,
  operators: OPERATORS,
  alerts: !process.env.BENCH_NO_ALERTS,
  log: (l) => console.log(l),
});
const seedS = (Date.now() - started) / 1000;
let browser: Browser | undefined;
try {
  const f = fleet.f;
  browser = await launchBrowser({ nice: BROWSER_NICE });
  const [backend] = await fleet.sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
  const postmasterPid = Number(procStat(backend!.pid)?.fields[1] ?? -1);
  const collectorPid = fleet.collector.child.pid ?? -1;
  console.log(`collector at ${fleet.url} (seeded and started in ${seedS.toFixed(1)} s); chromium ${browser.version()}`);

  if (process.env.BENCH_PG_STATS) {
    await fleet.sql`create extension if not exists pg_stat_statements`;
    await fleet.sql`select pg_stat_statements_reset()`;
  }
  // One sign-in per role; every measured navigation starts from its cookie in a fresh context.
  const states = new Map<string, Awaited<ReturnType<BrowserContext['storageState']>>>();
  for (const [who, token] of [
    ['lead', f.tokens.lead],
    ['operatorA', f.tokens.operatorA],
  ] as const) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await signIn(page, fleet.url, token);
    states.set(who, await ctx.storageState());
    await ctx.close();
  }

  const PAGES: Array<{ name: string; path: string; who?: string }> = [
    { name: 'fleet', path: '/fleet', who: 'lead' },
    { name: 'operator', path: `/operator/${encodeURIComponent(f.a)}`, who: 'operatorA' },
    { name: 'node', path: `/node/${encodeURIComponent(f.agent.node)}`, who: 'operatorA' },
    { name: 'status', path: '/status' },
  ];

  interface Nav {
    drawMs: number;
    cpu: CpuAt;
    api: Array<{ path: string; ms: number; serverMs: number; status: number }>;
    js: Map<string, number>;
  }
  // The JavaScript's bodies are read (through the browser, to gzip them) on the warm-up navigation only: in a
  // measured one that reading would compete with the page for the browser's CPU.
  const navigate = async (p: (typeof PAGES)[number], readJs = false): Promise<Nav> => {
    const storageState = p.who ? states.get(p.who) : undefined;
    const ctx = await browser!.newContext({ viewport: { width: 1280, height: 900 }, ...(storageState ? { storageState } : {}) });
    const page: Page = await ctx.newPage();
    page.setDefaultTimeout(120_000);
    const api: Nav['api'] = [];
    const js = new Map<string, number>();
    const bodies: Promise<void>[] = [];
    const refused: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) refused.push(`${new URL(r.url()).pathname} ${r.status()}`);
    });
    page.on('requestfinished', (req) => {
      const u = new URL(req.url());
      if (u.pathname.startsWith('/v1/') && u.pathname !== '/v1/events') {
        const t = req.timing();
        const ms = t.requestStart >= 0 ? t.responseEnd - t.requestStart : t.responseEnd;
        bodies.push(
          req.response().then((r) => {
            const server = /app;dur=([\d.]+)/.exec(r?.headers()['server-timing'] ?? '');
            api.push({ path: u.pathname + u.search, ms, serverMs: server ? Number(server[1]) : Number.NaN, status: r?.status() ?? 0 });
          }),
        );
      } else if (readJs && u.pathname.startsWith('/assets/') && u.pathname.endsWith('.js'))
        bodies.push(
          req
            .response()
            .then((r) => r?.body())
            .then((b) => {
              if (b) js.set(u.pathname, gzipSync(b, { level: 9 }).length);
            }),
        );
    });
    const cpu0 = cpuAt(collectorPid, postmasterPid);
    await page.goto(`${fleet.url}${p.path}`);
    const drawMs = await drawnAt(page);
    const cpu = cpuSpent(cpu0, cpuAt(collectorPid, postmasterPid));
    const alerts = await page.locator('main [role="alert"]').allTextContents();
    const charts = [await page.locator('[data-chart]').count(), await page.locator('[data-chart] .uplot').count()];
    await Promise.all(bodies);
    await ctx.close();
    if (alerts.length) throw new Error(`${p.name}: the page shows an error: ${alerts.join(' | ')}`);
    if (refused.length) throw new Error(`${p.name}: requests refused: ${refused.join(', ')}`);
    if (charts[0] !== charts[1]) throw new Error(`${p.name}: ${charts[1]} of ${charts[0]} charts drawn`);
    return { drawMs, cpu, api, js };
  };

  const results: Record<
    string,
    {
      warmup_ms: number;
      runs_ms: number[];
      median_ms: number;
      api: Nav['api'];
      cpu: CpuAt[];
      js_gzip_kb: number;
      js_files: number;
    }
  > = {};
  for (const p of PAGES) {
    const warm = await navigate(p, true);
    const runs: Nav[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await navigate(p));
    const drawn = runs.map((r) => r1(r.drawMs));
    results[p.name] = {
      warmup_ms: r1(warm.drawMs),
      runs_ms: drawn,
      median_ms: r1(median(drawn)),
      api: runs.flatMap((r) => r.api),
      cpu: runs.map((r) => r.cpu),
      js_gzip_kb: r1([...warm.js.values()].reduce((a, b) => a + b, 0) / 1024),
      js_files: warm.js.size,
    };
    console.log(`  ${p.name}: warm-up ${r1(warm.drawMs)} ms, runs ${drawn.join(', ')} ms`);
  }

  const allApi = Object.values(results).flatMap((r) => r.api.map((a) => a.ms));
  const allServer = Object.values(results).flatMap((r) => r.api.map((a) => a.serverMs));
  const perPath: Record<string, number[]> = {};
  const perPathServer: Record<string, number[]> = {};
  for (const r of Object.values(results))
    for (const a of r.api) {
      (perPath[a.path.replace(/\?.*/, '')] ??= []).push(a.ms);
      (perPathServer[a.path.replace(/\?.*/, '')] ??= []).push(a.serverMs);
    }
  const pages = Object.fromEntries(
    Object.entries(results).map(([name, r]) => {
      const ms = r.api.map((a) => a.ms);
      return [
        name,
        {
          draw_median_ms: r.median_ms,
          draw_runs_ms: r.runs_ms,
          draw_warmup_ms: r.warmup_ms,
          api_calls_per_view: r.api.length / RUNS,
          api_p50_ms: r1(pct(ms, 50)),
          api_p95_ms: r1(pct(ms, 95)),
          // Median per view, from the navigation's start to drawn (ms): see cpuAt.
          cpu_per_view_ms: {
            collector_ran: r1(median(r.cpu.map((c) => c.collectorRun))),
            collector_waited_for_cpu: r1(median(r.cpu.map((c) => c.collectorWait))),
            postgres_ran: r1(median(r.cpu.map((c) => c.pgRun))),
            postgres_waited_for_cpu: r1(median(r.cpu.map((c) => c.pgWait))),
            browser_cpu: r1(median(r.cpu.map((c) => c.browser))),
          },
          js_gzip_kb: r.js_gzip_kb,
          js_files: r.js_files,
          meets: { draw: r.median_ms < TARGET.draw_ms, js: r.js_gzip_kb < TARGET.js_gzip_kb },
        },
      ];
    }),
  );
  const figures = {
    api_p95_ms: r1(pct(allApi, 95)),
    api_p50_ms: r1(pct(allApi, 50)),
    api_calls: allApi.length,
    // The collector's own share (its Server-Timing header: request received → reply handed to the socket).
    server_p95_ms: r1(pct(allServer, 95)),
    server_p50_ms: r1(pct(allServer, 50)),
    pages,
    api_by_path: Object.fromEntries(
      Object.entries(perPath)
        .sort()
        .map(([p, t]) => [
          p,
          {
            calls: t.length,
            p50_ms: r1(pct(t, 50)),
            p95_ms: r1(pct(t, 95)),
            server_p50_ms: r1(pct(perPathServer[p]!, 50)),
            server_p95_ms: r1(pct(perPathServer[p]!, 95)),
          },
        ]),
    ),
    target: TARGET,
    setup: {
      nodes: NODES,
      operators: OPERATORS,
      runs: RUNS,
      browser_nice: BROWSER_NICE,
      cores: cpus().length,
      load_average_start: loadStart,
      load_average_end: load(),
      seed_and_start_s: r1(seedS),
      chromium: browser.version(),
      drawn: 'main[data-ready] (console/src/lib/ready.ts): every load answered, every chart drawn, two frames with nothing new',
    },
    measuredAt: new Date().toISOString(),
  };

  const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  console.log(
    `\n${NODES} nodes, ${OPERATORS} operators, ${RUNS} runs per page, browser niceness ${BROWSER_NICE}; load average ${loadStart.join(' ')} → ${figures.setup.load_average_end.join(' ')} (${cpus().length} cores)\n`,
  );
  console.log(
    row([
      'page',
      'drawn, median ms',
      'runs ms',
      'warm-up ms',
      'API calls/view',
      'API p95 ms',
      'collector ran / waited ms',
      'PostgreSQL ran / waited ms',
      'browser CPU ms',
      'JS gzip KB',
    ]),
  );
  console.log(row(['---', '---', '---', '---', '---', '---', '---', '---', '---', '---']));
  for (const [name, p] of Object.entries(pages)) {
    const c = p.cpu_per_view_ms;
    console.log(
      row([
        name,
        p.draw_median_ms,
        p.draw_runs_ms.join(', '),
        p.draw_warmup_ms,
        p.api_calls_per_view,
        p.api_p95_ms,
        `${c.collector_ran} / ${c.collector_waited_for_cpu}`,
        `${c.postgres_ran} / ${c.postgres_waited_for_cpu}`,
        c.browser_cpu,
        p.js_gzip_kb,
      ]),
    );
  }
  console.log('(CPU: median per view, navigation to drawn; "waited": runnable, waiting for a core)');
  console.log(
    `\napi_p95_ms ${figures.api_p95_ms} (p50 ${figures.api_p50_ms}, ${figures.api_calls} calls; the collector's own share p95 ${figures.server_p95_ms}, p50 ${figures.server_p50_ms}); targets: drawn < ${TARGET.draw_ms} ms, api_p95 < ${TARGET.api_p95_ms} ms, JS < ${TARGET.js_gzip_kb} KB`,
  );
  if (process.env.BENCH_PG_STATS)
    console.table(
      await fleet.sql.unsafe(
        `select round(total_exec_time)::int as ms, calls, round(mean_exec_time::numeric, 1) as mean_ms, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) as q
         from pg_stat_statements order by total_exec_time desc limit 15`,
      ),
    );
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/out/ui.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log('wrote bench/out/ui.json');
} finally {
  await browser?.close();
  await fleet.stop();
}
