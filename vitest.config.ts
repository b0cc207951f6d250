import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

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
/**
 * The in-package files share their worker (and its loaded modules) with the files before them, instead
 * of a fresh process each: importing the collector's modules again for every file was most of these
 * projects' time (integration: 177 s isolated, 105 s not; unit: 65 s, 16 s, on a busy 2-core machine).
 * Safe because no module of agent/, collector/ or shared/ keeps state a test changes (no `vi.mock`;
 * spies and fake timers are restored by the file that set them; each file makes its own database).
 * The cross-process files stay isolated: they start processes and servers of their own and some
 * replace globals for a whole file.
 */
const reuseWorkers = { isolate: false };

/**
 * The test workers and every process they start (collectors, agents, CLI commands: hundreds in a run)
 * share Node's on-disk compile cache: a process after the first that loads a module skips most of its
 * parsing, type stripping and compiling (loading the collector's modules: 1.1 s of CPU without, 0.6 s
 * with). Transparent to what runs (keyed by file content and Node version); a developer's own setting wins.
 */
process.env.NODE_COMPILE_CACHE ??= join(tmpdir(), 'timmy-fleet-node-compile-cache');

/**
 * Files that run side by side: one per core. Most of the cross-process time is waiting (a booting
 * systemd container, agent intervals, alert thresholds, a database failover), so two files at a time on
 * two cores keep the cores busy. Four at a time was tried: on two cores the cross-process files then
 * starved each other (agents missed heartbeats, shutdowns outlived their deadlines) and failed. Three
 * failed too, in a fresh clone: db-failover's planned switchover beside systemd and console-browser
 * (load average 21).
 * `--maxWorkers=N` on the command line overrides it.
 */
const MAX_WORKERS = Math.max(2, availableParallelism());

/**
 * The cross-process files that take longest (measured on a 2-core machine: minutes of real waiting
 * each), longest first. A clean clone (CI) has no cached durations, and by file size vitest would start
 * a short file of many lines before alerts-cluster's hundred lines and its minute.
 */
const LONGEST_FIRST = [
  'systemd',
  'console-browser',
  // Since alerts-cluster, alerts-delivery-faults, collector-cli, main-job and agent-install run their
  // independent cases side by side (and test agents reconnect within 2 s of a collector's restart),
  // db-failover is the longer one.
  'db-failover',
  'alerts-delivery-faults',
  'alerts-cluster',
  'collector-cli',
  'main-job',
  'agent-install',
  'agent-crash',
].map((name) => `/test/${name}.test.ts`);

/**
 * The long files start first, so none is left to run alone at the end: the cross-process files before
 * the in-package ones (seconds each, they fill the gaps at the end), the ones listed above first, and
 * otherwise vitest's own order (failed first, then longest first from the durations it cached in an
 * earlier run, else larger first). The test command runs the two kinds as two vitest runs side by side
 * (scripts/vitest-all.ts); a plain `vitest run` runs them in this order.
 */
class CrossProcessFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const listed = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((end) => f.moduleId.endsWith(end));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    const rank = (f: TestSpecification) => (f.project.name === 'cross-process' ? 0 : 1);
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b) || listed(a) - listed(b)); // stable
  }
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: MAX_WORKERS,
    sequence: { sequencer: CrossProcessFirst },
    // CI also writes a JSON summary that .ci/run turns into its closing "N passed, N failed" line
    // (scripts/vitest-all.ts names one per run).
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.ci/out/vitest.json' },
    projects: [
      { extends: true, test: { name: 'unit', include: unit, ...reuseWorkers } },
      { extends: true, test: { name: 'integration', include: integration, ...withDatabase, ...reuseWorkers } },
      { extends: true, test: { name: 'cross-process', include: ['test/**/*.test.ts'], ...withDatabase } },
    ],
  },
});
