/// <reference lib="dom" />
/**
 * The web console in a real browser (Debian's chromium through playwright-core) against a real collector
 * process on a real PostgreSQL seeded with the console fixture fleet: sign-in per role and what each
 * role sees, operator A editing the URL towards B, acknowledging from the button, a statement download
 * against the API's bytes, a node going DOWN on an open page, keyboard-only use of every page, axe-core on
 * every page in both themes, the session cookie's attributes and CSRF. Screenshots of every page go to
 * .ci/out/console/.
 *
 * One browser and one seeded fleet for the file; each role signs in once through the sign-in page
 * (beforeAll), in the browser context its tests then use; the tests run concurrently, each on a page of
 * its own that it navigates, taken from the pages earlier tests have finished with (see `as`). Every wait is for a condition: a page is drawn when `main[data-ready]` is set
 * (console/src/lib/ready.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExpectStatic, afterAll, beforeAll, describe, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestDatabase } from './support/pg.ts';
import {
  type ConsoleFleet,
  axeViolations,
  drawnAt,
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
import { ROOT, phaseClock, waitFor } from './support/processes.ts';
import { sampleApplication } from '../collector/src/program/testkit.ts';
import { HOLD_MS } from '../console/src/lib/render-hold.ts';

const skip = !hasChromium();
if (skip) console.warn('console browser tests skipped: no /usr/bin/chromium (bash scripts/ci-deps.sh installs it)');

const ROLES = ['admin', 'lead', 'finance', 'operatorA', 'partner'] as const;
type Role = (typeof ROLES)[number];

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let fleet: ConsoleFleet;
let browser: Browser;

/**
 * The browser contexts of the file, by who is signed in (none: the public) and whether the page's
 * content security policy is bypassed (for axe, injected as an inline script), each with the pages its
 * finished tests gave back. A test navigates a page it takes from here rather than opening a context and a
 * page of its own: in this chromium a new context with its page costs about 1.9 s of CPU before it loads
 * anything, navigating an open page 0.6 s in all (16 loads of the sign-in and status pages: 44.4 s of
 * chromium CPU with a context each, 14.5 s on one page), and on two cores that CPU is the run's time.
 * What a test reads is the same: every navigation is a new document with its own requests.
 */
interface Contexts {
  ctx: Promise<BrowserContext>;
  free: Page[];
}
const contexts = new Map<string, Contexts>();
function contextsFor(role: Role | undefined, bypassCSP: boolean): Contexts {
  const key = `${role ?? 'public'}${bypassCSP ? ' (CSP bypassed)' : ''}`;
  let c = contexts.get(key);
  if (!c) {
    const ctx = (async () =>
      browser.newContext({
        viewport: DESKTOP,
        acceptDownloads: true,
        ...(bypassCSP ? { bypassCSP: true } : {}),
        ...(role ? { storageState: await (await signedIn[role]).ctx.storageState() } : {}),
      }))();
    c = { ctx, free: [] };
    contexts.set(key, c);
  }
  return c;
}
async function newPage(ctx: BrowserContext): Promise<Page> {
  const page = await ctx.newPage();
  page.setDefaultTimeout(60_000);
  return page;
}

/**
 * Each role signed in through the sign-in page, the context that did it (its cookie is the role's
 * session; its page goes to the role's free pages) and where that sign-in landed. The sign-ins start at
 * the end of beforeAll and go on while the first tests run (those without a role need none); a test as a
 * role waits for that role's.
 */
const signedIn = {} as Record<Role, Promise<{ ctx: BrowserContext; landed: string }>>;
async function signInAs(role: Role): Promise<{ ctx: BrowserContext; landed: string }> {
  const ctx = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
  const page = await newPage(ctx);
  await signIn(page, fleet.url, fleet.f.tokens[role]);
  await page.waitForURL((u) => u.pathname !== '/signin');
  const landed = new URL(page.url()).pathname;
  contexts.set(role, { ctx: Promise.resolve(ctx), free: [page] });
  return { ctx, landed };
}

beforeAll(async () => {
  if (skip) return;
  const { timed, summary } = phaseClock();
  // A copy of the migrated template: migrating is not what this file tests (startConsoleFleet's
  // migrateDatabase then finds nothing to apply).
  db = await timed('database', createTestDatabase('console_browser', { migrated: true }));
  [fleet, browser] = await Promise.all([
    timed('seeded fleet and collector', startConsoleFleet(db.url)),
    timed('chromium', launchBrowser()),
  ]);
  for (const role of ROLES) {
    signedIn[role] = signInAs(role);
    signedIn[role].catch(() => {}); // a failed sign-in fails the tests as that role, when they await it
  }
  process.stdout.write(`console browser set-up: ${summary()}\n`);
}, 240_000);

afterAll(async () => {
  const c = fleet?.collector.child;
  if (c && (c.exitCode !== null || c.signalCode !== null))
    console.error(`the collector had stopped before the end (${c.exitCode ?? c.signalCode}):\n${fleet.collector.output().slice(-4000)}`);
  await browser?.close();
  await fleet?.stop();
  await db?.drop();
});

const DESKTOP = { width: 1280, height: 900 };
const POLL = { timeout: 60_000, interval: 100 };

/**
 * A page signed in as `role` (none: the public) on `path` (`/`: the role's home), at `viewport`; `done`
 * gives it back for a later test (only a test that got that far: a failed test's page is left as it was).
 */
async function as(
  role: Role | undefined,
  path = '/',
  opts: { viewport?: { width: number; height: number }; bypassCSP?: boolean } = {},
): Promise<{ page: Page; done: () => Promise<void> }> {
  if (role) await signedIn[role];
  const c = contextsFor(role, opts.bypassCSP ?? false);
  const page = c.free.pop() ?? (await newPage(await c.ctx));
  await page.setViewportSize(opts.viewport ?? DESKTOP);
  await page.goto(`${fleet.url}${path}`);
  if (role) await page.waitForSelector('[data-who]');
  return {
    page,
    done: async () => {
      // The theme a test chose stays with its document, not with the next test's (setTheme stores it).
      await page.evaluate(() => localStorage.removeItem('timmy-theme'));
      c.free.push(page);
    },
  };
}

const api = async (path: string, token: string) => fetch(`${fleet.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
const navLinks = (page: Page) => page.locator('nav[aria-label="Main"] a').allTextContents();

/**
 * Tab from where the focus is, round the page, until every visible element a mouse user can use (link,
 * button, input, select, textarea, summary, anything with a tab stop) has had the focus; the ones it never
 * reached, described.
 */
async function unreachableByTab(page: Page): Promise<string[]> {
  const wanted = await page.evaluate(() =>
    [
      ...document.querySelectorAll<HTMLElement>(
        'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])',
      ),
    ]
      .filter((e) => e.checkVisibility({ visibilityProperty: true }) && !e.closest('[inert]'))
      .map((e, i) => {
        e.dataset.kb = String(i);
        const text = (e.getAttribute('aria-label') ?? e.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
        const attrs = ['id', 'name', 'type', 'data-action', 'href']
          .map((a) => (e.hasAttribute(a) ? ` ${a}="${e.getAttribute(a)}"` : ''))
          .join('');
        return [String(i), `<${e.tagName.toLowerCase()}${attrs}> ${text}`] as const;
      }),
  );
  // Every element that gets the focus is recorded in the page; Tab is pressed in batches between reads.
  await page.evaluate(() => {
    const w = window as unknown as { kbReached?: Set<string> };
    w.kbReached = new Set();
    document.addEventListener('focusin', (e) => {
      const k = (e.target as HTMLElement).dataset?.kb;
      if (k !== undefined) w.kbReached!.add(k);
    });
  });
  const reachedNow = () => page.evaluate(() => [...(window as unknown as { kbReached: Set<string> }).kbReached]);
  let reached = new Set<string>();
  for (let pressed = 0; pressed < wanted.length * 2 + 20 && reached.size < wanted.length; pressed += TAB_BATCH) {
    await pressTab(page, TAB_BATCH);
    reached = new Set(await reachedNow());
  }
  return wanted.filter(([k]) => !reached.has(k)).map(([, what]) => what);
}

/** Tab presses sent between two reads of the page. */
const TAB_BATCH = 10;

/**
 * `n` presses of Tab, as the keyboard makes them (the key events playwright's `keyboard.press('Tab')`
 * sends through the DevTools protocol, in the same order), sent together instead of each awaited before
 * the next: chromium handles them one after the other all the same, without a round trip to the test
 * process between two (a page needs hundreds; on a busy machine each round trip waited for the CPU).
 */
async function pressTab(page: Page, n: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const key = { key: 'Tab', code: 'Tab', windowsVirtualKeyCode: 9, nativeVirtualKeyCode: 9 };
  try {
    await Promise.all(
      Array.from({ length: n }, () => [
        cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', ...key }),
        cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...key }),
      ]).flat(),
    );
  } finally {
    await cdp.detach();
  }
}

/**
 * Focus `selector` with Tab alone (from where the focus is), then press `key` on it. Tab is pressed in
 * batches: once the target has the focus, the rest of a batch's Tabs are held on it (their default, moving
 * the focus on, prevented), so the focus is where Tab alone brought it when the batch ends.
 */
async function tabTo(expect: ExpectStatic, page: Page, selector: string, key: 'Enter' | ' '): Promise<void> {
  await page.evaluate((sel) => {
    for (const e of document.querySelectorAll('[data-kb-target]')) e.removeAttribute('data-kb-target');
    const target = document.querySelector<HTMLElement>(sel);
    if (!target) return;
    target.setAttribute('data-kb-target', '');
    const hold = (e: KeyboardEvent) => {
      if (e.key === 'Tab' && document.activeElement === target) e.preventDefault();
    };
    document.addEventListener('keydown', hold, true);
    (window as unknown as { kbRelease?: () => void }).kbRelease = () => document.removeEventListener('keydown', hold, true);
  }, selector);
  expect(await page.locator('[data-kb-target]').count(), `${selector} on the page`).toBe(1);
  const n = await page.evaluate(
    () => document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]').length * 2 + 10,
  );
  const onTarget = () => page.evaluate(() => document.activeElement?.hasAttribute('data-kb-target'));
  for (let i = 0; i < n && !(await onTarget()); i += TAB_BATCH) await pressTab(page, TAB_BATCH);
  expect(await onTarget(), `Tab reaches ${selector}`).toBe(true);
  await page.evaluate(() => (window as unknown as { kbRelease: () => void }).kbRelease());
  await page.keyboard.press(key === ' ' ? 'Space' : key);
}

// Concurrent (vitest's maxConcurrency at a time): no test changes what another reads. The two that
// acknowledge take one open incident each (the fixture's `a` and `disk`); every other write (a session
// signed out, an enrollment token, an application, a month verified, a node's heartbeats) is seen by its
// own test only.
describe.skipIf(skip)('the console in chromium', { timeout: 300_000, concurrent: true }, () => {
  // The longest first (the node going DOWN mostly waits; then axe on the largest pages), so that the
  // concurrent run does not end on a long test started last.
  it('a fake agent stopping turns its node DOWN on an open page within 2 s of the collector deciding it', async ({ expect }) => {
    const events = await fetch(`${fleet.url}/v1/events?once=true`, { headers: { authorization: `Bearer ${fleet.f.tokens.lead}` } });
    if (events.status === 404) {
      console.warn('skipped: GET /v1/events is not served yet');
      return;
    }
    const node = fleet.f.agent.node;
    const { page, done } = await as('operatorA', `/node/${node}`);
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
    await done();
  });

  const AXE_PAGES: Array<[string, Role | undefined, () => string]> = [
    ['operator', 'operatorA', () => `/operator/${fleet.f.a}`],
    ['status', undefined, () => '/status'],
    ['node', 'operatorA', () => `/node/${fleet.f.nodes.a[0]}`],
    ['fleet', 'lead', () => '/fleet'],
    ['finance', 'finance', () => '/finance'],
    ['partner', 'partner', () => `/partner/${fleet.f.partner}`],
    ['apply', undefined, () => '/apply'],
    ['applications', 'lead', () => '/applications'],
    ['signin', undefined, () => '/signin'],
  ];
  for (const [name, role, pathOf] of AXE_PAGES)
    it(`axe-core finds no serious or critical violation on the ${name} page, light and dark, at desktop and phone width`, async ({
      expect,
    }) => {
      const problems: string[] = [];
      // bypassCSP: axe is injected as an inline script, which the console's policy refuses. One load per
      // width (a chart is laid out for the width it loads at); both themes on each load. One context and
      // page for both widths: the phone's is the same page loaded again after the viewport changed (its
      // renderer has compiled axe once already).
      const { page, done } = await as(role, pathOf(), { viewport: DESKTOP, bypassCSP: true });
      for (const viewport of [DESKTOP, { width: 390, height: 844 }]) {
        if (viewport !== DESKTOP) {
          await page.setViewportSize(viewport);
          await page.reload();
          if (role) await page.waitForSelector('[data-who]');
        }
        await settled(page);
        if (name === 'node') {
          // Every chart drawn (its uPlot chunk served).
          expect(await page.locator('[data-chart]').count()).toBe(5);
          expect(await page.locator('[data-chart] .uplot').count()).toBe(5);
        }
        for (const theme of ['light', 'dark'] as const) {
          await setTheme(page, theme);
          const v = await axeViolations(page);
          for (const x of v) problems.push(`${name} ${theme} ${viewport.width}px: ${x.id} (${x.impact}) at ${x.nodes.join(', ')}`);
          // The whole page once (light, desktop); its first screen in the other three.
          await screenshot(page, `${name}-${theme}-${viewport.width}`, { fullPage: theme === 'light' && viewport === DESKTOP });
        }
        // Nothing wider than the phone's screen.
        if (viewport.width < 500)
          expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} at phone width`).toBeLessThanOrEqual(
            viewport.width + 1,
          );
      }
      await done();
      expect(problems).toEqual([]);
    });
  const KEYBOARD: Array<{ page: string; role?: Role; path: () => string; act: (page: Page, expect: ExpectStatic) => Promise<void> }> = [
    {
      page: 'fleet',
      role: 'lead',
      path: () => '/fleet',
      // Enter on an Acknowledge button acknowledges.
      act: async (page, expect) => {
        const id = fleet.f.incidents.disk;
        await tabTo(expect, page, `tr[data-incident="${id}"] [data-action="ack"]`, 'Enter');
        await page.waitForFunction(
          (i) => document.querySelector(`tr[data-incident="${i}"] [data-status]`)?.textContent?.startsWith('acknowledged'),
          id,
        );
        const inc: any = await (await api(`/v1/incidents/${id}`, fleet.f.tokens.lead)).json();
        expect((inc.incident ?? inc).status).toBe('acknowledged');
      },
    },
    {
      page: 'operator',
      role: 'operatorA',
      path: () => `/operator/${fleet.f.a}`,
      // Enter on "Show the install one-liner" issues an enrollment token and shows the command.
      act: async (page, expect) => {
        await tabTo(expect, page, '[data-action="enroll"]', 'Enter');
        await expect.poll(() => page.locator('[data-install]').textContent(), POLL).toMatch(/install\.sh/);
      },
    },
    {
      page: 'node',
      role: 'operatorA',
      path: () => `/node/${fleet.f.nodes.a[2] ?? fleet.f.nodes.a[0]}`,
      // Space on an interval's "evidence" opens it.
      act: async (page, expect) => {
        await tabTo(expect, page, '[data-table="intervals"] summary', ' ');
        await page.waitForSelector('[data-table="intervals"] details[open] pre');
      },
    },
    {
      page: 'partner',
      role: 'partner',
      path: () => `/partner/${fleet.f.partner}`,
      // Enter on the commission statement's download link downloads the API's bytes.
      act: async (page, expect) => {
        await page.locator('#p-month').fill(fleet.f.closedMonth);
        await page.locator('#p-month').dispatchEvent('change');
        const link = `a[download="commission-${fleet.f.partner}-${fleet.f.closedMonth}.json"]`;
        await page.waitForSelector(link);
        const [download] = await Promise.all([page.waitForEvent('download'), tabTo(expect, page, link, 'Enter')]);
        const got = readFileSync((await download.path())!);
        const want = Buffer.from(
          await (await api(`/v1/partners/${fleet.f.partner}/statements/${fleet.f.closedMonth}`, fleet.f.tokens.partner)).arrayBuffer(),
        );
        expect(got.equals(want)).toBe(true);
      },
    },
    {
      page: 'finance',
      role: 'admin',
      path: () => '/finance',
      // Enter on "Verify against the evidence" verifies the closed month.
      act: async (page, expect) => {
        await tabTo(expect, page, '[data-action="verify"]', 'Enter');
        await expect.poll(() => page.locator('main p.notice[role="status"]').textContent(), POLL).toMatch(/^Verification: /);
      },
    },
    {
      page: 'applications',
      role: 'lead',
      path: () => '/applications',
      // Enter on "start screening" moves the application on.
      act: async (page, expect) => {
        const row = page.locator('tr[data-application]', { hasText: 'kbd-reviewer@example.org' });
        const operator = (await row.locator('th').textContent())!.replace('kbd-reviewer@example.org', '').trim();
        await tabTo(
          expect,
          page,
          `tr[data-application="${await row.getAttribute('data-application')}"] [data-action="start_screening"]`,
          'Enter',
        );
        await expect
          .poll(
            async () => ((await (await api(`/v1/operators/${operator}/lifecycle`, fleet.f.tokens.lead)).json()) as any).status.state,
            POLL,
          )
          .toBe('screening');
      },
    },
    {
      page: 'status',
      path: () => '/status',
      // Enter on the fleet bar's "Daily summary" opens the list of days.
      act: async (page, expect) => {
        await tabTo(expect, page, '[data-bar="fleet"] summary', 'Enter');
        await page.waitForSelector('[data-bar="fleet"] details[open] li');
      },
    },
    {
      page: 'apply',
      path: () => '/apply',
      // Space ticks a checkbox; Enter on "Apply" sends the filled-in form.
      act: async (page, expect) => {
        const fill: Record<string, string> = {
          fullName: 'Kim Keyboard',
          email: 'kim-keyboard@example.org',
          country: 'DE',
          region: 'eu-west',
          years: '5',
          summary: 'Ran forty servers for four years, on call.',
          provider: 'Hetzner',
          datacenter: 'fsn1',
          vcpus: '2',
          ramGb: '4',
          storageGb: '50',
          hours: '20',
          refName: 'Jo Smith',
          refContact: 'jo@example.org',
          refRelationship: 'former lead',
          signature: 'Kim Keyboard',
        };
        for (const [id, v] of Object.entries(fill)) await page.locator(`#${id}`).fill(v);
        for (const id of ['skill-linux_admin', 'uptimeTarget', 'exitNotice', 'sovereignty', 'training', 'accurate']) {
          await tabTo(expect, page, `#${id}`, ' ');
          expect(await page.locator(`#${id}`).isChecked(), `Space ticks #${id}`).toBe(true);
        }
        await tabTo(expect, page, 'form[data-form="apply"] button[type="submit"]', 'Enter');
        await expect
          .poll(async () => (await page.locator('[data-applied], main .error[role="alert"]').first().textContent()) ?? '', POLL)
          .toMatch(/^Thank you: application \d+ is in/);
      },
    },
  ];
  for (const k of KEYBOARD)
    it(`keyboard only: Tab reaches every link, button, input and select on the ${k.page} page, and a key press acts`, async ({
      expect,
    }) => {
      if (k.page === 'applications') {
        // An application in the queue to move.
        const res = await fetch(`${fleet.url}/v1/applications`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(
            sampleApplication((a) => {
              a.applicant = { fullName: 'Robin Reviewer', email: 'kbd-reviewer@example.org', handle: 'robin-reviewer' };
              a.location.region = 'eu-west';
              delete a.referralCode;
            }),
          ),
        });
        expect(res.status, await res.clone().text()).toBe(201);
      }
      const { page, done } = await as(k.role, k.path());
      await settled(page);
      if (k.page === 'finance') {
        // The closed month: its statements, export and verification (a month not closed offers only "Close").
        await page.locator('#f-month').fill(fleet.f.closedMonth);
        await page.locator('#f-month').dispatchEvent('change');
        await page.waitForSelector('[data-action="verify"]');
        await settled(page);
      }
      expect(await unreachableByTab(page), `${k.page}: not reached by Tab`).toEqual([]);
      await k.act(page, expect);
      await done();
    });

  it("chromium gets playwright's feature switches and ours, merged into one each (it keeps only the last of a switch given twice)", async ({
    expect,
  }) => {
    const ctx = await browser.newContext();
    const page = await newPage(ctx);
    await page.goto('chrome://version');
    const line = (await page.locator('#command_line').textContent()) ?? '';
    const off = line.match(/--disable-features=\S+/g) ?? [];
    expect(off).toHaveLength(1);
    const names = off[0]!.slice('--disable-features='.length).split(',');
    // The omnibox popup's pages (launchBrowser), and one of playwright's own (no optimisation hints downloaded).
    expect(names).toEqual(
      expect.arrayContaining(['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'WebUIOmniboxFullPopup', 'OptimizationHints']),
    );
    expect(line.match(/--enable-features=/g)).toHaveLength(1);
    await ctx.close();
  });

  it('serves its pages and assets from the collector itself, and the sign-in page without a session', async ({ expect }) => {
    const res = await fetch(`${fleet.url}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<script type="module" src="\/assets\/shell-[A-Za-z0-9]+\.js">/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    // A dotted chunk name (uPlot's) is served; a leading dot, a `..` or another file of dist/ is not.
    const uplot = readdirSync(join(ROOT, 'console/dist')).find((n) => /^uPlot\..+\.js$/.test(n));
    expect(uplot).toBeDefined();
    expect((await fetch(`${fleet.url}/assets/${uplot}`)).status).toBe(200);
    for (const bad of ['..%2Fdist%2Fmanifest.json', '.x.js', 'a..js', 'manifest.json', 'index.html'])
      expect((await fetch(`${fleet.url}/assets/${bad}`)).status, bad).toBe(404);
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

  it('signs in with a token: an HttpOnly, SameSite=Strict, expiring cookie; a wrong token is refused; sign-out ends the session', async ({
    expect,
  }) => {
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

  for (const [who, landedOn, links] of [
    ['admin', /\/fleet$/, ['Fleet', 'Finance', 'Applications', 'Status', 'API docs']],
    ['lead', /\/fleet$/, ['Fleet', 'Applications', 'Status', 'API docs']],
    ['finance', /\/fleet$/, ['Fleet', 'Finance', 'Status', 'API docs']],
    ['operatorA', () => new RegExp(`/operator/${fleet.f.a}$`), ['My nodes', 'Status']],
    ['partner', () => new RegExp(`/partner/${fleet.f.partner}$`), ['My referrals', 'Status']],
  ] as const)
    it(`the ${who} role sees its own pages and navigation, and nothing else`, async ({ expect }) => {
      const landing = typeof landedOn === 'function' ? landedOn() : landedOn;
      // Where the sign-in itself landed (beforeAll), and where `/` leads with the session.
      expect((await signedIn[who]).landed, `${who} after signing in`).toMatch(landing);
      const { page, done } = await as(who);
      await page.waitForURL(landing);
      await settled(page);
      expect(await navLinks(page), who).toEqual(links);
      await screenshot(page, `landing-${who}`);
      if (who === 'finance') expect(await page.locator('[data-action="ack"]').count(), 'finance has no acknowledge button').toBe(0);
      if (who === 'operatorA' && (await fetch(`${fleet.url}/v1/operators/${fleet.f.a}/nodes`)).status !== 404) {
        expect(await page.locator('[data-table="nodes"] [data-node]').count()).toBeGreaterThan(0);
        for (const n of fleet.f.nodes.b) expect(await page.locator(`[data-node="${n}"]`).count()).toBe(0);
      }
      await done();
    });

  it("operator A editing the URL towards B's pages sees only 'not found'", async ({ expect }) => {
    const { page, done } = await as('operatorA');
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
    await done();
  });

  it("a page's first loads are drawn together: while one is out nothing of them shows, until HOLD_MS after the page began", async ({
    expect,
  }) => {
    await signedIn.operatorA;
    // A page of its own: the script added here stays with it.
    const page = await newPage(await contextsFor('operatorA', false).ctx);
    let open = () => {};
    const gate = new Promise<void>((r) => (open = r));
    await page.route('**/v1/operators/*/pay/estimate', async (route) => {
      await gate;
      await route.continue();
    });
    // Each change of the document: when (ms since the navigation began), and whether the nodes table and the estimate were in it.
    await page.addInitScript(() => {
      const w = window as unknown as { shown: Array<[number, boolean, boolean]> };
      w.shown = [];
      new MutationObserver(() =>
        w.shown.push([
          performance.now(),
          !!document.querySelector('table[data-table="nodes"]'),
          !!document.querySelector('[data-card="estimate"]'),
        ]),
      ).observe(document, { subtree: true, childList: true });
    });
    await page.goto(`${fleet.url}/operator/${encodeURIComponent(fleet.f.a)}`);
    // The page's other calls answer; the estimate's is held back here.
    await page.waitForSelector('table[data-table="nodes"]');
    const shown = await page.evaluate(() => (window as unknown as { shown: Array<[number, boolean, boolean]> }).shown);
    const first = shown.find(([, table]) => table)!;
    expect(first[2]).toBe(false);
    // The hold begins after the navigation does: a table shown before the estimate can only be its deadline passing.
    expect(first[0]).toBeGreaterThanOrEqual(HOLD_MS);
    expect(await page.locator('main[data-ready]').count()).toBe(0);
    open();
    await page.waitForSelector('[data-card="estimate"]');
    await drawnAt(page);
    await page.close();
  });

  it('a link followed while the first loads are still out shows the next page without waiting for them', async ({ expect }) => {
    // A context of its own, on a clock that moves only when told to: the hold's deadline (HOLD_MS) never comes.
    const ctx = await browser.newContext({ viewport: DESKTOP, storageState: await (await signedIn.operatorA).ctx.storageState() });
    const page = await newPage(ctx);
    const t0 = Date.now();
    await page.clock.install({ time: t0 });
    await page.clock.pauseAt(t0 + 1000);
    await page.route('**/v1/operators/*/pay/estimate', () => {}); // never answered
    await page.goto(`${fleet.url}/operator/${encodeURIComponent(fleet.f.a)}`);
    // The shell focuses the heading in the effect that begins the page's hold (main.ts, resetReady); effects
    // wait for a frame, so the clock is moved a frame at a time until then, far less than HOLD_MS in all.
    let moved = 0;
    while (!(await page.evaluate(() => document.activeElement?.tagName === 'H1'))) {
      expect(moved).toBeLessThan(HOLD_MS / 2);
      await page.clock.runFor(16);
      moved += 16;
    }
    expect(await page.locator('table[data-table="nodes"]').count()).toBe(0);
    await page.locator('nav[aria-label="Main"] a', { hasText: 'Status' }).click();
    await page.waitForSelector('main h1:text("Fleet status")', { timeout: 30_000 });
    await ctx.close();
  });

  it('acknowledging from the button changes the incident, and the API agrees', async ({ expect }) => {
    const { page, done } = await as('lead');
    const id = fleet.f.incidents.a;
    await page.locator(`tr[data-incident="${id}"] [data-action="ack"]`).click();
    await page.waitForFunction(
      (i) => document.querySelector(`tr[data-incident="${i}"] [data-status]`)?.textContent?.startsWith('acknowledged'),
      id,
    );
    const inc: any = await (await api(`/v1/incidents/${id}`, fleet.f.tokens.lead)).json();
    expect((inc.incident ?? inc).status).toBe('acknowledged');
    await done();
  });

  it("a statement downloads from the operator's page byte for byte as the API answers it, and its lines drill down to evidence", async ({
    expect,
  }) => {
    const { page, done } = await as('operatorA');
    await page.locator('#st-month').fill(fleet.f.closedMonth);
    await page.locator('#st-month').dispatchEvent('change');
    await page.waitForSelector(`[data-statement="${fleet.f.closedMonth}"]`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="download"]').click()]);
    const path = await download.path();
    const got = readFileSync(path!);
    const want = Buffer.from(
      await (await api(`/v1/operators/${fleet.f.a}/statements/${fleet.f.closedMonth}`, fleet.f.tokens.operatorA)).arrayBuffer(),
    );
    expect(got.equals(want)).toBe(true);
    // Statement (1) → a line's evidence (2) → a node (3).
    await page.locator('tr[data-line] [data-action="evidence"]').first().click();
    await page.waitForSelector('[data-evidence]');
    await screenshot(page, 'operator-statement');
    await done();
  });
});
