/** The README names the module's public face; every name it shows must be exported from index.ts. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as program from './index.ts';

const readme = readFileSync(new URL('README.md', import.meta.url), 'utf8');

describe('README and index.ts agree', () => {
  const imported = /import \{([^}]+)\} from '\.\/program\/index\.ts'/
    .exec(readme)![1]!
    .split(',')
    .map((s) => s.trim());
  // Function names the file table lists in backticks, e.g. `transition(status, event, ...)` or `ownerAt`.
  const tabled = [...readme.matchAll(/^\| `[a-z-]+\.ts`.*$/gm)].flatMap((row) =>
    [...row[0].matchAll(/`([a-zA-Z_]+)(?=[(`])/g)].map((m) => m[1]!),
  );

  it.each([...new Set([...imported, ...tabled])])('%s is exported', (name) => {
    expect(Object.keys(program)).toContain(name);
  });
});
