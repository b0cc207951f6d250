/// <reference lib="dom" />
/**
 * The console in a real browser: Debian's chromium (scripts/ci-deps.sh installs it) driven by
 * playwright-core, against a real collector process on a real PostgreSQL seeded with the console
 * fixture fleet. Used by test/console-browser.test.ts, `pnpm screenshots` (console-screenshots.ts) and
 * `pnpm bench:ui` (bench/ui.ts).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { Browser, Page } from 'playwright-core';
export type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { type ConsoleFixture, seedConsoleFixture } from './console-fixture.ts';
import { ROOT, type Proc, startCollectorProcess, waitFor } from './processes.ts';

export const CHROMIUM = process.env.TIMMY_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = () => existsSync(CHROMIUM);
export const SHOTS_DIR = join(ROOT, '.ci/out/console');

/**
 * Debian's chromium, headless, through a wrapper script (test/support/chromium.sh) that:
 *
 * - merges every `--disable-features` / `--enable-features` it is given into one each: chromium keeps
 *   only the last of a switch given twice, and playwright passes lists of its own before ours;
 * - with `nice`, starts chromium and every process it starts at that scheduling niceness (bench:ui
 *   --browser-nice, where the browser stands in for a user's own machine and should not take the CPU
 *   the collector and PostgreSQL answer with). Playwright starts the browser in a session of its own,
 *   and with the kernel's autogroup scheduling (`/proc/sys/kernel/sched_autogroup_enabled`) a session's
 *   processes share one weight against every other session's whatever their own niceness: so the
 *   wrapper sets its session's weight (`/proc/self/autogroup`, where the kernel has it) as well as the
 *   processes' niceness.
 *
 * The omnibox's popup is off (`WebUIOmniboxPopup`, `WebUIOmniboxAimPopup`, `WebUIOmniboxFullPopup`):
 * chromium 156 builds it as a web page of its own (chrome://omnibox-popup.top-chrome, a renderer
 * process) for every new context's window, never shown headless. In a trace of one bench:ui operator-page
 * view that renderer was the busiest thread while the page's API calls were out (169 ms of its main
 * thread in a 170 ms window, against the page's own renderer's 117 ms); a user's browser builds it once
 * per window, not once per page.
 */
export async function launchBrowser(opts: { nice?: number } = {}): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: join(ROOT, 'test/support/chromium.sh'),
    env: { ...process.env, TIMMY_CHROMIUM: CHROMIUM, TIMMY_CHROMIUM_NICE: String(Math.trunc(opts.nice ?? 0)) },
    headless: true,
    // Running as root in CI: chromium's sandbox needs user namespaces it may not have.
    args: [
      '--no-sandbox',
      '--disable-dev-shm-usage',
      '--disable-gpu',
      '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup',
    ],
    timeout: 120_000,
  });
}

export interface ConsoleFleet {
  url: string;
  f: ConsoleFixture;
  collector: Proc;
  sql: postgres.Sql;
  stop: () => Promise<void>;
}

export interface ConsoleFleetOptions {
  nodes?: number;
  operators?: number;
  /**
   * Run the collector's alert cycle (default off: it would resolve the fixture's hand-made incidents,
   * whose alerts are not firing, within a minute of its start, and page for every silent seeded node).
   */
  alerts?: boolean;
}

/** A migrated database at `dbUrl` seeded with the fixture fleet, and a collector process on it (no anonymous reads). */
export async function startConsoleFleet(dbUrl: string, opts: ConsoleFleetOptions = {}): Promise<ConsoleFleet> {
  const { migrateDatabase } = await import('../../collector/src/db/database.ts');
  await migrateDatabase(dbUrl);
  const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
  const now = Date.now();
  // observedUntil ahead: the seeded nodes keep their seeded state while the test runs.
  const f = await seedConsoleFixture(sql, { nodes: opts.nodes ?? 24, operators: opts.operators ?? 4, now, observedUntil: now + 3_600_000 });
  // The tests sign in dozens of times a minute from one address: past the default limit of 10.
  const env: Record<string, string> = { TIMMY_ANONYMOUS_READ: 'false', TIMMY_SIGNIN_PER_MIN: '1000' };
  const configDir = opts.alerts ? undefined : mkdtempSync(join(tmpdir(), 'timmy-console-fleet-'));
  if (configDir) {
    writeFileSync(join(configDir, 'collector.yaml'), 'alerts:\n  enabled: false\n');
    env.TIMMY_CONFIG = join(configDir, 'collector.yaml');
  }
  const collector = await startCollectorProcess(dbUrl, env);
  return {
    url: collector.url,
    f,
    collector,
    sql,
    stop: async () => {
      collector.child.kill('SIGTERM');
      await waitFor(
        'the collector to stop',
        async () => collector.child.exitCode !== null || collector.child.signalCode !== null,
        30_000,
      ).catch(() => collector.child.kill('SIGKILL'));
      await sql.end();
      if (configDir) rmSync(configDir, { recursive: true, force: true });
    },
  };
}

/**
 * A console fleet on a database of its own, outside the test runner: a new database on DATABASE_URL's
 * server when it is set, else on a throw-away embedded PostgreSQL. `stop` drops it all.
 */
export async function startOwnConsoleFleet(
  label: string,
  opts: ConsoleFleetOptions & { log?: (line: string) => void } = {},
): Promise<ConsoleFleet> {
  const { startEmbeddedPostgres } = await import('../../collector/src/db/embedded.ts');
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), `timmy-${label}-pg-`));
  if (!process.env.DATABASE_URL) log('starting embedded PostgreSQL…');
  // BENCH_PG_STATS=1 (bench:ui): pg_stat_statements loaded, to see where PostgreSQL's time goes.
  const settings: Record<string, string> = process.env.BENCH_PG_STATS
    ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' }
    : {};
  const server = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dir, database: 'postgres', settings });
  const admin = process.env.DATABASE_URL ?? server!.url;
  const name = `${label.replaceAll('-', '_')}_${process.pid}`;
  const a = postgres(admin, { max: 1, onnotice: () => {} });
  const dropAll = async () => {
    await a.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
    await a.end();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await a.unsafe(`create database "${name}"`);
    const url = new URL(admin);
    url.pathname = `/${name}`;
    log(`seeding the console fixture (${opts.nodes ?? 24} nodes of ${opts.operators ?? 4} operators) and starting a collector…`);
    const fleet = await startConsoleFleet(url.toString(), opts);
    return {
      ...fleet,
      stop: async () => {
        await fleet.stop();
        await dropAll();
      },
    };
  } catch (e) {
    await dropAll();
    throw e;
  }
}

/** Sign in through the sign-in page with `token`; resolves on the page the role lands on. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/signin`);
  await page.locator('#token').fill(token);
  await page.locator('form[data-form="signin"] button[type="submit"]').click();
  await page.waitForSelector('[data-who]', { timeout: 60_000 });
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function axeViolations(page: Page): Promise<Array<{ id: string; impact: string; nodes: string[] }>> {
  // Injected once per page load (the page's CSP must be bypassed: browser.newContext({ bypassCSP: true })).
  if (!(await page.evaluate(() => 'axe' in globalThis))) {
    const axePath = createRequire(join(ROOT, 'test/package.json')).resolve('axe-core/axe.min.js');
    await page.addScriptTag({ content: readFileSync(axePath, 'utf8') });
  }
  const r = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } }).axe;
    // resultTypes: only violations are read, so axe details no passing or inapplicable node (less work).
    return axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
  })) as { violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> };
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}

export async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.evaluate((t) => {
    document.documentElement.dataset.theme = t;
    localStorage.setItem('timmy-theme', t);
  }, theme);
}

/**
 * A PNG of the page into `dir`. `fullPage` (the default) captures the whole scroll height: in chromium 156
 * that cost 0.66-0.74 s of the browser's CPU for the operator page, against 0.14-0.15 s for the viewport.
 */
export async function screenshot(page: Page, name: string, opts: { dir?: string; fullPage?: boolean } = {}): Promise<string> {
  const dir = opts.dir ?? SHOTS_DIR;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: opts.fullPage ?? true });
  return path;
}

/**
 * When the page now loaded was drawn (main[data-ready]: ms since its navigation began, console/src/lib/ready.ts),
 * once it is. Watched from inside the page with a MutationObserver rather than polled from outside (as
 * waitForSelector does, every frame): the polling cost the operator page 10-20 ms of the browser's CPU
 * per load, taken from the collector answering the page's calls on the same two cores (bench:ui). Only
 * after a navigation has loaded (page.goto): a navigation meanwhile ends the watch with an error.
 */
export async function drawnAt(page: Page, timeoutMs = 120_000): Promise<number> {
  return page.evaluate(
    (timeout) =>
      new Promise<number>((resolve, reject) => {
        const drawn = () => document.querySelector('main[data-ready]')?.getAttribute('data-ready');
        const now = drawn();
        if (now) return resolve(Number(now));
        const o = new MutationObserver(() => {
          const at = drawn();
          if (!at) return;
          o.disconnect();
          clearTimeout(t);
          resolve(Number(at));
        });
        const t = setTimeout(() => {
          o.disconnect();
          reject(new Error(`the page was not drawn within ${timeout} ms`));
        }, timeout);
        o.observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
      }),
    timeoutMs,
  );
}

/** Wait until the page is drawn (main[data-ready], console/src/lib/ready.ts) and no "Loading" is left in main. */
export async function settled(page: Page): Promise<void> {
  await page.waitForSelector('main[data-ready] h1', { timeout: 60_000 });
  await page.waitForFunction(() => !/Loading/.test(document.querySelector('main')?.textContent ?? 'Loading'), undefined, {
    timeout: 60_000,
  });
}
