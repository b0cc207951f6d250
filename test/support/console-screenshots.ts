/// <reference lib="dom" />
/**
 * `pnpm screenshots`: regenerates the README's console images (docs/img/fleet.png, operator.png,
 * node.png, status.png) from a collector on a throw-away embedded PostgreSQL (or DATABASE_URL) seeded
 * with the console fixture fleet, in Debian's chromium.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../../collector/src/db/embedded.ts';
import { hasChromium, launchBrowser, settled, signIn, startConsoleFleet } from './console-browser.ts';
import { ROOT } from './processes.ts';

if (!hasChromium()) {
  console.error('no /usr/bin/chromium: run bash scripts/ci-deps.sh (or apt-get install chromium)');
  process.exit(1);
}
const out = join(ROOT, 'docs/img');
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'timmy-shots-pg-'));
const server = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dir, database: 'postgres' });
const admin = process.env.DATABASE_URL ?? server!.url;
const name = `console_shots_${process.pid}`;
const a = postgres(admin, { max: 1, onnotice: () => {} });
await a.unsafe(`create database "${name}"`);
const url = new URL(admin);
url.pathname = `/${name}`;
const fleet = await startConsoleFleet(url.toString());
const browser = await launchBrowser();
try {
  const f = fleet.f;
  for (const [file, token, path] of [
    ['fleet', f.tokens.lead, '/fleet'],
    ['operator', f.tokens.operatorA, `/operator/${f.a}`],
    ['node', f.tokens.operatorA, `/node/${f.nodes.a[1] ?? f.nodes.a[0]}`],
    ['status', undefined, '/status'],
  ] as const) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    const page = await ctx.newPage();
    page.setDefaultTimeout(60_000);
    if (token) await signIn(page, fleet.url, token);
    await page.goto(`${fleet.url}${path}`);
    await settled(page);
    await page.waitForTimeout(300); // charts draw on the next frame
    await page.screenshot({ path: join(out, `${file}.png`) });
    console.log(`docs/img/${file}.png`);
    await ctx.close();
  }
} finally {
  await browser.close();
  await fleet.stop();
  await a.unsafe(`drop database if exists "${name}" with (force)`);
  await a.end();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}
