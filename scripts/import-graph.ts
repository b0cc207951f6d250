/**
 * The workspace's import graph, read with TypeScript's own parser: which source file imports which,
 * the cycles in it (strongly connected components) and the imports that point against the layering
 * (routes → services → db, every layer → the pure cores, never back).
 *
 * `node scripts/import-graph.ts` prints both lists and exits 1 when either holds something that is not
 * in the known list below; test/import-graph.test.ts runs the same check in the test command. The known
 * lists only shrink: untangling a cycle removes its entry, and a new cycle or upward import fails.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// TypeScript 5's JavaScript API (the `typescript5` alias): TypeScript 7, which type-checks the workspace, has
// no in-process parser yet.
import ts from 'typescript5';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['agent/src', 'collector/src', 'shared/src'];

/** file (relative to the root) → the workspace files it imports statically (type-only imports included). */
export type ImportGraph = Map<string, Set<string>>;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The relative module specifiers a file imports or re-exports at top level (dynamic `import()` is lazy and left out). */
export function staticImports(fileName: string, text: string): string[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const specs: string[] = [];
  for (const stmt of file.statements) {
    if (
      (ts.isImportDeclaration(stmt) || ts.isExportDeclaration(stmt)) &&
      stmt.moduleSpecifier &&
      ts.isStringLiteral(stmt.moduleSpecifier)
    ) {
      specs.push(stmt.moduleSpecifier.text);
    }
  }
  return specs.filter((s) => s.startsWith('.'));
}

export function readGraph(root = ROOT, dirs = SOURCE_DIRS): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const dir of dirs) {
    for (const abs of sourceFiles(join(root, dir))) {
      const from = relative(root, abs);
      const targets = new Set<string>();
      for (const spec of staticImports(abs, readFileSync(abs, 'utf8'))) targets.add(relative(root, resolve(dirname(abs), spec)));
      graph.set(from, targets);
    }
  }
  return graph;
}

/** Strongly connected components with more than one file (or a file importing itself): the import cycles. */
export function cycles(graph: ImportGraph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) out.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) visit(v);
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/**
 * The collector's layers, lowest first. A file may import its own layer and any lower one; a file in
 * no listed layer is not judged. Pure cores (sla) sit below the database: they take data, not connections.
 * Alerting's pure core (rules, incidents, routing, the schemas of its configuration and channels) is
 * listed file by file: the config validation may load it, and it may load nothing of the alerting shell
 * (engine, stores, outbox, channels' delivery, service).
 */
export const ALERTING_CORE = [
  'collector/src/alerts/rules/',
  'collector/src/alerts/config.ts',
  'collector/src/alerts/types.ts',
  'collector/src/alerts/errors.ts',
  'collector/src/alerts/incidents.ts',
  'collector/src/alerts/incident-policy.ts',
  'collector/src/alerts/incident-stats.ts',
  'collector/src/alerts/routing.ts',
  'collector/src/alerts/retry-policy.ts',
  'collector/src/alerts/ack-link.ts',
  'collector/src/alerts/channels/schemas.ts',
  'collector/src/alerts/channels/channel.ts',
];

export const LAYERS: { name: string; prefixes: string[] }[] = [
  {
    name: 'pure core',
    prefixes: ['collector/src/sla/', 'collector/src/pay/', 'collector/src/program/', 'collector/src/reports/', ...ALERTING_CORE],
  },
  {
    name: 'foundation',
    prefixes: ['collector/src/config.ts', 'collector/src/clock.ts', 'collector/src/errors.ts', 'collector/src/version.ts'],
  },
  { name: 'db', prefixes: ['collector/src/db/', 'collector/src/stores/'] },
  {
    name: 'services',
    prefixes: [
      'collector/src/services/',
      'collector/src/pay-service/',
      'collector/src/auth/',
      'collector/src/alerts/',
      'collector/src/jobs/',
      'collector/src/metrics/',
    ],
  },
  { name: 'routes', prefixes: ['collector/src/routes/'] },
  {
    name: 'composition root',
    prefixes: ['collector/src/app.ts', 'collector/src/runtime.ts', 'collector/src/main.ts', 'collector/src/cli.ts'],
  },
];

function layerOf(file: string): number {
  return LAYERS.findIndex((l) => l.prefixes.some((p) => file.startsWith(p)));
}

/** Imports from a lower layer to a higher one, as `from -> to`. */
export function upwardImports(graph: ImportGraph): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const lf = layerOf(from);
    if (lf < 0) continue;
    for (const to of targets) if (layerOf(to) > lf) out.push(`${from} -> ${to}`);
  }
  return out.sort();
}

/** What today's tree still holds; each entry is to be removed by untangling it, never added to. */
export const KNOWN_CYCLES: string[][] = [];
export const KNOWN_UPWARD: string[] = [];

export interface Verdict {
  newCycles: string[][];
  newUpward: string[];
  goneCycles: string[][];
  goneUpward: string[];
}

export function judge(graph: ImportGraph, knownCycles = KNOWN_CYCLES, knownUpward = KNOWN_UPWARD): Verdict {
  const key = (c: string[]) => [...c].sort().join(' ');
  const found = cycles(graph);
  const foundKeys = new Set(found.map(key));
  const knownKeys = new Set(knownCycles.map(key));
  const up = upwardImports(graph);
  return {
    newCycles: found.filter((c) => !knownKeys.has(key(c))),
    goneCycles: knownCycles.filter((c) => !foundKeys.has(key(c))),
    newUpward: up.filter((u) => !knownUpward.includes(u)),
    goneUpward: knownUpward.filter((u) => !up.includes(u)),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const graph = readGraph();
  const v = judge(graph);
  console.log(`${graph.size} files; cycles: ${cycles(graph).length}; upward imports: ${upwardImports(graph).length}`);
  for (const c of v.newCycles) console.log(`new cycle: ${c.join(' <-> ')}`);
  for (const u of v.newUpward) console.log(`new upward import: ${u}`);
  for (const c of v.goneCycles) console.log(`untangled (remove from KNOWN_CYCLES): ${c.join(' <-> ')}`);
  for (const u of v.goneUpward) console.log(`gone (remove from KNOWN_UPWARD): ${u}`);
  process.exit(v.newCycles.length || v.newUpward.length ? 1 : 0);
}
