/**
 * Bundles the agent into one file runnable with plain `node` >= 22: agent/dist/timmy-fleet.mjs
 * plus timmy-fleet.mjs.sha256 (`sha256sum -c` format). The collector serves both to install.sh.
 */
import type { PluginBuild } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('.', import.meta.url));
export const BUNDLE = `${root}dist/timmy-fleet.mjs`;

/**
 * Built-ins through require(), not ESM import: importing `node:http` as an ES module builds its namespace,
 * which runs every lazy getter on the module — and those load tls, http2, zlib, worker_threads and
 * perf_hooks (~10 MB of RSS) that the agent never uses on a plain-http path. require() leaves them lazy.
 */
const builtinsViaRequire = {
  name: 'builtins-via-require',
  setup(b: PluginBuild) {
    b.onResolve({ filter: /^node:/ }, (a: { path: string }) => ({ path: a.path, namespace: 'builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (a: { path: string }) => ({
      contents: `module.exports = __nodeRequire(${JSON.stringify(a.path)});`,
      loader: 'js',
    }));
  },
};

export async function buildAgent(): Promise<{ file: string; sha256: string; bytes: number }> {
  await build({
    entryPoints: [`${root}src/cli.ts`],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // Minified: the bundle source stays in memory for life (~0.3 MB less, measured); logs carry messages, not stacks.
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [builtinsViaRequire as never],
    // CommonJS dependencies (pino, systeminformation) call require(); give them one.
    banner: { js: "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url), __nodeRequire = require;" },
  });
  chmodSync(BUNDLE, 0o755);
  const data = readFileSync(BUNDLE);
  const sha256 = createHash('sha256').update(data).digest('hex');
  writeFileSync(`${BUNDLE}.sha256`, `${sha256}  timmy-fleet.mjs\n`);
  return { file: BUNDLE, sha256, bytes: data.length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await buildAgent();
  process.stdout.write(`${r.file} ${(r.bytes / 1024).toFixed(0)} KiB sha256 ${r.sha256}\n`);
}
