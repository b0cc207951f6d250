/**
 * Bundles the web console (console/src) into console/dist: one shell entry (router, sign-in, nav) and a
 * chunk per page loaded on demand (uPlot only in the node page's), content-hashed, plus index.html and
 * manifest.json (the source digest, the shell's file, and each page's JavaScript gzipped: the shell
 * with every chunk the page loads). The collector runs it at start when dist/ is missing or was built
 * from other sources (`ensureConsole`), so `npm start` and `npm test` need no separate step;
 * `pnpm build:console` does the same ahead of time and prints the sizes.
 *
 * Files land in a temporary directory first and are renamed into dist/ one by one, manifest last, so
 * collectors building at once (test files) never serve a half-written file.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('.', import.meta.url));
export const DIST = join(root, 'dist');
const SRC = join(root, 'src');

export interface ConsoleManifest {
  digest: string;
  shell: string;
  css: string;
  /** Page → JavaScript the page loads (shell included), gzipped bytes. */
  pageGzipBytes: Record<string, number>;
  /**
   * Page → the files it loads beyond the shell's (its chunk, what that imports, uPlot for the node page):
   * the collector names them in the page's index.html (`modulepreload`), so that they load alongside
   * the shell instead of one after another.
   */
  pagePreload: Record<string, string[]>;
  builtAt: string;
}

/** The pages, each a module under src/pages/ loaded by the shell's router. */
export const PAGES = ['signin', 'fleet', 'operator', 'node', 'status', 'partner', 'finance', 'applications'] as const;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/** What the bundle is built from: every source file, this script and the dependencies' versions. */
export function sourceDigest(): string {
  const h = createHash('sha256');
  for (const f of [...files(SRC), join(root, 'build.ts'), join(root, 'package.json')])
    h.update(relative(root, f)).update('\0').update(readFileSync(f));
  h.update(process.env.CONSOLE_NO_MINIFY ? 'unminified' : 'minified');
  return h.digest('hex');
}

export function readManifest(): ConsoleManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8')) as ConsoleManifest;
  } catch {
    return undefined;
  }
}

export async function buildConsole(): Promise<ConsoleManifest> {
  const { build } = await import('esbuild');
  const digest = sourceDigest();
  mkdirSync(DIST, { recursive: true });
  const tmp = mkdtempSync(join(DIST, '.build-'));
  try {
    const result = await build({
      entryPoints: { shell: join(SRC, 'main.ts'), style: join(SRC, 'style.css') },
      outdir: tmp,
      bundle: true,
      splitting: true,
      format: 'esm',
      target: 'es2022',
      // CONSOLE_NO_MINIFY=1: readable names in a browser's CPU profile (the sizes printed are then not the shipped ones).
      minify: !process.env.CONSOLE_NO_MINIFY,
      legalComments: 'none',
      entryNames: '[name]-[hash]',
      chunkNames: '[name]-[hash]',
      metafile: true,
      logLevel: 'warning',
      loader: { '.css': 'css' },
    });
    const outputs = result.metafile.outputs;
    const name = (p: string) => relative(tmp, p);
    const gz = (p: string) => gzipSync(readFileSync(p), { level: 9 }).length;
    const shellOut = Object.keys(outputs).find((o) => outputs[o]!.entryPoint?.endsWith('main.ts'))!;
    const cssOut = Object.keys(outputs).find((o) => o.endsWith('.css'))!;
    /** A chunk and every chunk it imports, statically or (page → page data) dynamically. */
    const closure = (o: string, seen = new Set<string>()): Set<string> => {
      if (seen.has(o)) return seen;
      seen.add(o);
      for (const i of outputs[o]?.imports ?? [])
        if (!i.external && (i.kind === 'import-statement' || o !== shellOut)) closure(i.path, seen);
      return seen;
    };
    const shellAll = closure(shellOut);
    const pageGzipBytes: Record<string, number> = {};
    const pagePreload: Record<string, string[]> = {};
    for (const page of PAGES) {
      const chunk = Object.keys(outputs).find((o) => outputs[o]!.entryPoint?.endsWith(`pages/${page}.ts`));
      if (!chunk) continue;
      const all = closure(chunk, closure(shellOut));
      pageGzipBytes[page] = [...all].filter((o) => o.endsWith('.js')).reduce((n, o) => n + gz(o), 0);
      pagePreload[page] = [...closure(chunk)].filter((o) => o.endsWith('.js') && !shellAll.has(o)).map(name);
    }
    const shell = name(shellOut);
    const css = name(cssOut);
    // The shell's own imports load with it, not after it has been read.
    const shellPreload = [...shellAll]
      .filter((o) => o !== shellOut && o.endsWith('.js'))
      .map((o) => `<link rel="modulepreload" href="/assets/${name(o)}">`)
      .join('\n');
    const html = readFileSync(join(SRC, 'index.html'), 'utf8')
      .replace('__SHELL__', `/assets/${shell}`)
      .replace('__CSS__', `/assets/${css}`)
      .replace('<!--__PRELOAD__-->', shellPreload);
    writeFileSync(join(tmp, 'index.html'), html);
    const manifest: ConsoleManifest = { digest, shell, css, pageGzipBytes, pagePreload, builtAt: new Date().toISOString() };
    for (const f of readdirSync(tmp)) if (!f.endsWith('.map')) renameSync(join(tmp, f), join(DIST, f));
    writeFileSync(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(join(tmp, 'manifest.json'), join(DIST, 'manifest.json'));
    return manifest;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

let building: Promise<ConsoleManifest> | undefined;
/** The manifest of a bundle built from the current sources, building it first when needed. */
export async function ensureConsole(): Promise<{ manifest: ConsoleManifest; built: boolean }> {
  const m = readManifest();
  if (m && m.digest === sourceDigest() && existsSync(join(DIST, m.shell))) return { manifest: m, built: false };
  building ??= buildConsole().finally(() => (building = undefined));
  return { manifest: await building, built: true };
}

/** One line per page: `fleet 31.2 KB`. */
export function sizesLine(m: ConsoleManifest): string {
  return Object.entries(m.pageGzipBytes)
    .map(([p, b]) => `${p} ${(b / 1024).toFixed(1)} KB`)
    .join(', ');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const m = await buildConsole();
  process.stdout.write(`console built in ${relative(process.cwd(), DIST) || DIST}: JavaScript per page, gzipped: ${sizesLine(m)}\n`);
  const over = Object.entries(m.pageGzipBytes).filter(([, b]) => b > 100 * 1024);
  if (over.length) {
    process.stderr.write(`over the 100 KB budget: ${over.map(([p]) => p).join(', ')}\n`);
    process.exitCode = 1;
  }
}
