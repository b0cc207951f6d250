import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lineKinds } from './registry.ts';

describe('the kind registry', () => {
  it('lists each kind once, with a summary and a closed parameter schema', () => {
    expect(new Set(lineKinds.map((k) => k.kind)).size).toBe(lineKinds.length);
    for (const k of lineKinds) {
      expect(k.summary.length).toBeGreaterThan(10);
      expect(k.params.additionalProperties).toBe(false);
    }
  });

  it('every kind file is registered and has its test', () => {
    const dir = new URL('./', import.meta.url);
    const files = readdirSync(dir);
    const kindFiles = files.filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !['kind.ts', 'registry.ts', 'common.ts', 'commission.ts'].includes(f),
    );
    expect(kindFiles.map((f) => f.replace(/\.ts$/, '').replace(/-/g, '_')).sort()).toEqual(lineKinds.map((k) => k.kind).sort());
    for (const f of kindFiles) expect(files).toContain(f.replace(/\.ts$/, '.test.ts'));
  });
});
