import { describe, expect, it } from 'vitest';
import { cycles, judge, readGraph, staticImports, upwardImports, type ImportGraph } from '../scripts/import-graph.ts';

const graphOf = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));

describe('import graph', () => {
  it('reads static imports and re-exports, type-only included, dynamic imports left out', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c.ts';",
      "import './side-effect.ts';",
      "import { x } from 'fastify';",
      "const lazy = await import('./lazy.ts');",
    ].join('\n');
    expect(staticImports('f.ts', text)).toEqual(['./a.ts', '../b.ts', './c.ts', './side-effect.ts']);
  });

  it('finds cycles, self-imports included, and nothing in an acyclic graph', () => {
    expect(cycles(graphOf({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([['a', 'b', 'c']]);
    expect(cycles(graphOf({ a: ['a'] }))).toEqual([['a']]);
    expect(cycles(graphOf({ a: ['b'], b: ['c'], c: [] }))).toEqual([]);
  });

  it('flags an import from a lower layer to a higher one, not the other way', () => {
    const g = graphOf({
      'collector/src/routes/r.ts': ['collector/src/services/s.ts'],
      'collector/src/services/s.ts': ['collector/src/db/d.ts', 'collector/src/sla/core.ts'],
      'collector/src/db/d.ts': ['collector/src/services/s.ts'],
      'collector/src/sla/core.ts': [],
    });
    expect(upwardImports(g)).toEqual(['collector/src/db/d.ts -> collector/src/services/s.ts']);
  });

  it('the workspace holds no import cycle and no upward import beyond the known ones (which only shrink)', () => {
    const verdict = judge(readGraph());
    expect(verdict.newCycles).toEqual([]);
    expect(verdict.newUpward).toEqual([]);
    // An untangled entry must leave the known list too, so it cannot come back unnoticed.
    expect(verdict.goneCycles).toEqual([]);
    expect(verdict.goneUpward).toEqual([]);
  });
});
