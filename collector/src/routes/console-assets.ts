/**
 * The web console (console/): its pages at `/`, `/signin`, `/status`, `/fleet`, `/operator/{op}`,
 * `/node/{node}`, `/partner/{partner}`, `/finance`, `/apply`, `/applications` (one index.html; the client routes) and its content-hashed assets under `/assets/`,
 * all served from console/dist, built at start when missing or built from other sources
 * (console/build.ts). Nothing comes from elsewhere: the console works on a network with no internet.
 * The shell holds no data: what a person sees comes from the API under their session's roles.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS } from '../auth/access.ts';
import { Errors } from '../errors.ts';
import { sessionOf } from './console-session.ts';

const repo = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

interface Manifest {
  shell: string;
  pageGzipBytes: Record<string, number>;
  pagePreload?: Record<string, string[]>;
}
interface ConsoleBuild {
  DIST: string;
  ensureConsole: () => Promise<{ manifest: Manifest; built: boolean }>;
  sizesLine: (m: Manifest) => string;
}

/** The client's page paths: each answers index.html, naming the files of its page (console/src/pages/) to load at once. */
export const CONSOLE_PAGES: Record<string, string | null> = {
  '/': null,
  '/signin': 'signin',
  '/status': 'status',
  '/fleet': 'fleet',
  '/finance': 'finance',
  '/apply': 'applications',
  '/applications': 'applications',
  '/operator/:op': 'operator',
  '/node/:node': 'node',
  '/partner/:partner': 'partner',
};

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** A strict policy: only this origin's scripts, styles and connections. */
const CSP =
  "default-src 'self'; script-src 'self' 'sha256-HASH'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The console's build module (console/build.ts: outside the collector's package, loaded by path). */
export const consoleBuild = async () => (await import(repo('console/build.ts'))) as ConsoleBuild;

export default async function consoleRoutes(app: FastifyInstance) {
  const build = await consoleBuild();
  // A read-only install (the systemd unit's ProtectSystem=strict) cannot build at start: it is built at
  // install time (`pnpm build:console`); without it the API still serves and the pages answer 503.
  let preload: Record<string, string[]> = {};
  try {
    const { manifest, built } = await build.ensureConsole();
    preload = manifest.pagePreload ?? {};
    app.log.info({ built, pages: manifest.pageGzipBytes }, `console ready: JavaScript per page, gzipped: ${build.sizesLine(manifest)}`);
  } catch (e) {
    app.log.error(
      { err: e },
      'the console could not be built (run pnpm build:console where the install is writable): its pages answer 503',
    );
  }
  const cache = new Map<string, { mtimeMs: number; data: Buffer; gz: Buffer }>();
  const file = (name: string): { data: Buffer; gz: Buffer } | undefined => {
    const path = join(build.DIST, name);
    try {
      const m = statSync(path).mtimeMs;
      const hit = cache.get(path);
      if (hit && hit.mtimeMs === m) return hit;
      const data = readFileSync(path);
      const entry = { mtimeMs: m, data, gz: gzipSync(data) };
      cache.set(path, entry);
      return entry;
    } catch {
      return undefined;
    }
  };
  // The inline theme script (before the stylesheet applies, no flash) is allowed by its hash.
  const inlineHash = (html: string) => {
    const m = /<script>([^<]*)<\/script>/.exec(html);
    return m ? createHash('sha256').update(m[1]!).digest('base64') : '';
  };
  const hide = { schema: { hide: true }, config: { access: ACCESS.everyone } };

  // index.html as a page serves it: with its page's files to load alongside the shell (kept per page, as the file is).
  const pageHtml = new Map<string, { from: Buffer; html: string }>();
  const indexFor = (page: string | null) => {
    const f = file('index.html');
    if (!f) return undefined;
    const key = page ?? '';
    const hit = pageHtml.get(key);
    if (hit?.from === f.data) return hit.html;
    const links = (page ? (preload[page] ?? []) : []).map((a) => `<link rel="modulepreload" href="/assets/${a}">\n`).join('');
    const html = f.data.toString('utf8').replace('</head>', `${links}</head>`);
    pageHtml.set(key, { from: f.data, html });
    return html;
  };
  // The page carries the request's session (routes/console-session.ts sessionOf) as a JSON data block
  // (not a script: the CSP needs no room for it), so the shell starts the page's loads at once instead of
  // asking GET /v1/session first; `<` is escaped so no value can close the block. It holds the session's
  // CSRF token, so the page is never stored by a cache. `data-served-at` (the collector's clock, ms) is where
  // the page's live stream starts (GET /v1/events?since=): it opens once the page is drawn and misses nothing.
  const sendIndex = (page: string | null) => async (req: FastifyRequest, reply: FastifyReply) => {
    const text = indexFor(page);
    if (text === undefined) throw new Errors.Unavailable();
    const data = JSON.stringify(await sessionOf(app, req)).replaceAll('<', '\\u003c');
    return reply
      .header('content-type', TYPES['.html'])
      .header('cache-control', 'no-store')
      .header('content-security-policy', CSP.replace('HASH', inlineHash(text)))
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .send(
        text.replace(
          '</head>',
          `<script type="application/json" id="session" data-served-at="${app.deps.clock()}">${data}</script>\n</head>`,
        ),
      );
  };
  for (const [url, page] of Object.entries(CONSOLE_PAGES)) app.get(url, hide, sendIndex(page));

  app.get<{ Params: { file: string } }>('/assets/:file', hide, async (req, reply) => {
    const name = req.params.file;
    const ext = /\.(js|css)$/.exec(name)?.[0];
    // Dotted names too (uPlot's chunk is `uPlot.esm-<hash>.js`), but no leading dot and no `..`.
    const f = ext && /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.(js|css)$/.test(name) ? file(name) : undefined;
    if (!f || !ext) throw new Errors.NotFound(`no console asset ${name.slice(0, 100)}`);
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    if (gzip) reply.header('content-encoding', 'gzip');
    return reply
      .header('vary', 'accept-encoding')
      .header('content-type', TYPES[ext])
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(gzip ? f.gz : f.data);
  });
}
