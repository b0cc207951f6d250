/**
 * The console's shell: the session, the role-aware navigation, the theme, and a client-side router that
 * loads each page's module on demand (pages/*.ts). Every path is served the same index.html by the
 * collector; what a person may see is decided by the API, the navigation only leaves out what their
 * role cannot use.
 */
import { render } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { type Session, isStaff, loadSession, pageServedAt, pageSession, session, signOut } from './lib/api.ts';
import { html } from './lib/html.ts';
import { startLive, stopLive } from './lib/live.ts';
import { leavePage, pageStartedAt, resetReady, settle, whenDrawn } from './lib/ready.ts';
import { go } from './lib/ui.ts';

type PageModule = { default: (props: { params: Record<string, string>; session: Session }) => unknown; title: string };

/** Each page takes its own params; the router hands them over by the route's keys. */
const page = (p: Promise<unknown>) => p as Promise<PageModule>;

const ROUTES: Array<{ re: RegExp; keys: string[]; load: () => Promise<PageModule>; public?: boolean; staff?: boolean }> = [
  { re: /^\/signin$/, keys: [], load: () => page(import('./pages/signin.ts')), public: true },
  { re: /^\/status$/, keys: [], load: () => page(import('./pages/status.ts')), public: true },
  { re: /^\/fleet$/, keys: [], staff: true, load: () => page(import('./pages/fleet.ts')) },
  { re: /^\/operator\/([^/]+)$/, keys: ['op'], load: () => page(import('./pages/operator.ts')) },
  { re: /^\/node\/([^/]+)$/, keys: ['node'], load: () => page(import('./pages/node.ts')) },
  { re: /^\/partner\/([^/]+)$/, keys: ['partner'], load: () => page(import('./pages/partner.ts')) },
  { re: /^\/(apply)$/, keys: ['mode'], load: () => page(import('./pages/applications.ts')), public: true },
  { re: /^\/(applications)$/, keys: ['mode'], staff: true, load: () => page(import('./pages/applications.ts')) },
  { re: /^\/finance$/, keys: [], staff: true, load: () => page(import('./pages/finance.ts')) },
];

/** Where `/` leads: staff to the fleet, an operator to their portal, anyone else to the status page. */
function home(s: Session): string {
  if (!s.signedIn) return '/signin';
  if (isStaff(s)) return '/fleet';
  if (s.role === 'operator' && s.operator) return `/operator/${encodeURIComponent(s.operator)}`;
  if (s.role === 'partner' && s.partner) return `/partner/${encodeURIComponent(s.partner)}`;
  return '/status';
}

function match(path: string) {
  for (const r of ROUTES) {
    const m = r.re.exec(path);
    if (m) return { route: r, params: Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)])) };
  }
  return undefined;
}

function ThemeToggle() {
  const current = () => document.documentElement.dataset.theme ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  const [theme, setTheme] = useState(current());
  const flip = () => {
    const next = theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    try {
      localStorage.setItem('timmy-theme', next);
    } catch {}
    setTheme(next);
  };
  return html`<button type="button" class="secondary" aria-pressed=${theme === 'dark'} onClick=${flip} data-action="theme">Dark theme</button>`;
}

function Nav({ s, path }: { s: Session; path: string }) {
  const links: Array<[string, string]> = [];
  if (isStaff(s)) links.push(['/fleet', 'Fleet']);
  if (s.role === 'admin' || s.role === 'finance') links.push(['/finance', 'Finance']);
  if (s.role === 'admin' || s.role === 'fleet_lead') links.push(['/applications', 'Applications']);
  if (s.role === 'operator' && s.operator) links.push([`/operator/${encodeURIComponent(s.operator)}`, 'My nodes']);
  if (s.role === 'partner' && s.partner) links.push([`/partner/${encodeURIComponent(s.partner)}`, 'My referrals']);
  links.push(['/status', 'Status']);
  return html`<nav aria-label="Main">
    <ul>
      ${links.map(([href, label]) => html`<li><a href=${href} aria-current=${path === href ? 'page' : undefined}>${label}</a></li>`)}
      ${isStaff(s) ? html`<li><a href="/docs">API docs</a></li>` : null}
    </ul>
  </nav>`;
}

function App() {
  const [path, setPath] = useState(location.pathname);
  const [page, setPage] = useState<{ mod?: PageModule; params: Record<string, string>; error?: string }>({ params: {} });
  const mainRef = useRef<HTMLElement>(null);
  const s = session.value;

  useEffect(() => {
    const onPop = () => {
      // Leaving a page whose first loads are still out: drawn at once, the next page does not wait for
      // them (its own loads are waited for once it is mounted, resetReady).
      leavePage();
      setPath(location.pathname);
    };
    addEventListener('popstate', onPop);
    // Links inside the console navigate without a reload (not the API, the docs or downloads).
    const onClick = (e: MouseEvent) => {
      const a = (e.target as Element | null)?.closest?.('a');
      if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const href = a.getAttribute('href');
      if (!href?.startsWith('/') || href.startsWith('//') || a.hasAttribute('download') || a.target) return;
      if (/^\/(v1|docs|metrics|install\.sh|openapi\.json)/.test(href)) return;
      e.preventDefault();
      go(href);
    };
    document.addEventListener('click', onClick);
    return () => {
      removeEventListener('popstate', onPop);
      document.removeEventListener('click', onClick);
    };
  }, []);

  // The live stream opens once the page is drawn (or after 5 s), so it does not hold one of the browser's
  // six connections to the collector while the page loads; it starts with the changes since the page was
  // served, so none is missed in between.
  useEffect(() => {
    if (!s) return;
    if (!s.signedIn) {
      stopLive();
      return;
    }
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      // The collector's clock when this page began: when it served the console, plus the time since (less
      // 2 s for the request's own time and clock steps), so a page shown long after a sign-in asks for little.
      const served = pageServedAt();
      startLive(served === undefined ? undefined : served + Math.max(0, pageStartedAt() - 2000));
    };
    whenDrawn(start);
    const t = setTimeout(start, 5000);
    return () => {
      started = true;
      clearTimeout(t);
    };
  }, [s?.signedIn, s?.role]);

  // A layout effect: the page's module is asked for before the first frame is painted, not after it.
  useLayoutEffect(() => {
    if (!s) return;
    if (path === '/' || (path === '/signin' && s.signedIn)) {
      history.replaceState(null, '', home(s));
      setPath(location.pathname);
      return;
    }
    const m = match(path);
    if (!m) {
      setPage({ params: {}, error: 'There is no such page.' });
      return;
    }
    if (!m.route.public && !s.signedIn) {
      history.replaceState(null, '', `/signin?next=${encodeURIComponent(path)}`);
      setPath('/signin');
      return;
    }
    if (m.route.staff && !isStaff(s)) {
      setPage({ params: {}, error: 'This page is for fleet staff (admin, fleet lead, finance).' });
      return;
    }
    let live = true;
    m.route.load().then(
      (mod) => {
        if (!live) return;
        setPage({ mod, params: m.params });
        document.title = `${mod.title} · Timmy Fleet`;
      },
      () => live && setPage({ params: {}, error: 'The page could not be loaded.' }),
    );
    return () => {
      live = false;
    };
  }, [path, s?.signedIn, s?.role]);

  // After a navigation, focus moves to the page's heading so keyboard and screen-reader users start there;
  // the page is marked drawn (lib/ready.ts) once its loads are done, or at once when it loads nothing.
  useEffect(() => {
    resetReady();
    const t = setTimeout(() => mainRef.current?.querySelector<HTMLElement>('h1')?.focus({ preventScroll: false }), 0);
    if (page.mod || page.error) settle();
    return () => clearTimeout(t);
  }, [page.mod, page.params, page.error]);

  if (!s) return html`<p>Loading…</p>`;
  const Page = page.mod?.default;
  return html`
    <a class="skip" href="#main" onClick=${(e: Event) => {
      e.preventDefault();
      mainRef.current?.querySelector<HTMLElement>('h1')?.focus();
    }}>Skip to content</a>
    <header class="top">
      <a class="brand" href=${home(s)}>Timmy Fleet</a>
      <${Nav} s=${s} path=${path} />
      <div class="who">
        ${s.signedIn ? html`<span data-who>${s.name ?? 'admin token'} (${s.role.replace('_', ' ')}${s.operator ? `, ${s.operator}` : ''})</span>` : null}
        <${ThemeToggle} />
        ${
          s.signedIn
            ? html`<button type="button" class="secondary" data-action="signout" onClick=${async () => {
                await signOut();
                go('/signin');
              }}>Sign out</button>`
            : path !== '/signin'
              ? html`<a href="/signin">Sign in</a>`
              : html`<a href="/apply">Apply to run nodes</a>`
        }
      </div>
    </header>
    <main id="main" ref=${mainRef} data-page=${path}>
      ${page.error ? html`<h1 tabindex="-1">Not found</h1><p>${page.error}</p>` : Page ? html`<${Page} params=${page.params} session=${s} key=${path} />` : html`<p>Loading…</p>`}
    </main>`;
}

// The session comes with the page (no round trip before the page's own loads); asked for only when absent.
const carried = pageSession();
if (carried) session.value = carried;
else void loadSession();
// The page's module loads alongside the session, not after it (the router's load() then finds it loaded).
match(location.pathname)
  ?.route.load()
  .catch(() => {});
render(html`<${App} />`, document.getElementById('app')!);
