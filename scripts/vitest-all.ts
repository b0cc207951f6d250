/**
 * The test command's vitest part (`pnpm run test:all` after the type check and the lint): the
 * cross-process project and the in-package projects (unit, integration) as two vitest runs side by side,
 * the in-package one at a lower CPU priority.
 *
 * Why: the cross-process files mostly wait (a booting container, agent intervals, a failover), yet leave
 * a core idle only now and then, while the in-package files are pure CPU (130 files, about two minutes of
 * worker time). In one run they came after every cross-process file, a minute of their own at the end.
 * Side by side at niceness 10 (inherited by that run's workers and its PostgreSQL server), they take the
 * CPU the cross-process files leave and yield it when those need it. Each run has its own PostgreSQL
 * server (global-setup) and its own JSON summary in CI (.ci/out/vitest-*.json, read by .ci/run).
 *
 * Arguments go to a single ordinary `vitest run` (a file, `--project`, `-t`…): the split is for the whole
 * suite only. The exit status is the worse of the two runs'.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VITEST = join(ROOT, 'node_modules/.bin/vitest');
/** The in-package run's niceness: below the cross-process run, not so low that it starves behind it. */
const IN_PACKAGE_NICE = 10;

function run(args: string[], opts: { nice?: number; prefix?: string } = {}): Promise<number> {
  const [cmd, argv] = opts.nice ? ['nice', ['-n', String(opts.nice), VITEST, ...args]] : [VITEST, args];
  const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', opts.prefix ? 'pipe' : 'inherit', opts.prefix ? 'pipe' : 'inherit'] });
  if (opts.prefix) {
    // Whole lines, each marked, so the two runs' reports interleave readably.
    for (const [from, to] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ] as const) {
      let rest = '';
      from?.setEncoding('utf8');
      from?.on('data', (d: string) => {
        const lines = (rest + d).split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) to.write(`${opts.prefix}${l}\n`);
      });
      from?.on('end', () => rest && to.write(`${opts.prefix}${rest}\n`));
    }
  }
  return new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

const args = process.argv.slice(2);
if (args.length > 0) {
  process.exitCode = await run(['run', ...args]);
} else {
  // CI: a JSON summary per run (vitest.config.ts adds the JSON reporter under CI).
  const json = (name: string) => (process.env.CI ? [`--outputFile.json=.ci/out/vitest-${name}.json`] : []);
  const [cross, inPackage] = await Promise.all([
    run(['run', '--project', 'cross-process', ...json('cross')]),
    run(['run', '--project', 'unit', '--project', 'integration', ...json('package')], {
      nice: IN_PACKAGE_NICE,
      prefix: '[in-package] ',
    }),
  ]);
  console.log(`vitest: cross-process run exited ${cross}, in-package run exited ${inPackage}`);
  process.exitCode = cross || inPackage;
}
