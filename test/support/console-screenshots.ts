/// <reference lib="dom" />
/**
 * `pnpm screenshots`: regenerates the README's console images (docs/img/fleet.png, operator.png,
 * node.png, status.png) from a collector on a throw-away embedded PostgreSQL (or DATABASE_URL) seeded
 * with the console fixture fleet, in Debian's chromium.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hasChromium, launchBrowser, settled, signIn, startOwnConsoleFleet } from './console-browser.ts';
import { ROOT } from './processes.ts';

if (!hasChromium()) {
  console.error('no /usr/bin/chromium: run bash scripts/ci-deps.sh (or apt-get install chromium)');
  process.exit(1);
}
const out = join(ROOT, 'docs/img');
mkdirSync(out, { recursive: true });
const fleet = await startOwnConsoleFleet('console-shots');
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
    await settled(page); // charts included (main[data-ready])
    await page.screenshot({ path: join(out, `${file}.png`) });
    console.log(`docs/img/${file}.png`);
    await ctx.close();
  }
} finally {
  await browser.close();
  await fleet.stop();
}
