import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Three projects, so a developer can run the fast part alone (`pnpm test:unit`, seconds):
 * - unit: tests beside the code that need no database (pure cores, probes, schemas, clients);
 * - integration: tests beside the code that use the real PostgreSQL of the run (they import the
 *   test harness under test/support);
 * - cross-process: test/, real child processes and peers (agents, collectors, prometheus).
 * Which in-package test needs the database is read from its imports, so a new test lands in the right
 * project without a list to maintain.
 */
const PACKAGE_DIRS = ['agent/src', 'collector/src', 'shared/src'];
const NEEDS_DB = /from ['"][./]*test\/support\/(?!tls\.ts)/;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return testFiles(path);
    return e.name.endsWith('.test.ts') ? [path] : [];
  });
}

const inPackage = PACKAGE_DIRS.flatMap(testFiles);
const integration = inPackage.filter((f) => NEEDS_DB.test(readFileSync(f, 'utf8')));
const unit = inPackage.filter((f) => !integration.includes(f));
const withDatabase = { globalSetup: ['test/support/global-setup.ts'] };

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // CI also writes a JSON summary that .ci/run turns into its closing "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/out/vitest.json' },
    projects: [
      { extends: true, test: { name: 'unit', include: unit } },
      { extends: true, test: { name: 'integration', include: integration, ...withDatabase } },
      { extends: true, test: { name: 'cross-process', include: ['test/**/*.test.ts'], ...withDatabase } },
    ],
  },
});
