/** `npm start` with a bad configuration lists the problems as the collector does and exits 1 (no stack trace). */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const MAIN = resolve(import.meta.dirname, '..', 'scripts', 'main.ts');

it('npm start prints every configuration problem and exits 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'timmy-main-config-'));
  const file = join(dir, 'collector.yaml');
  writeFileSync(file, 'retention:\n  intervalDays: 10\nnoSuchKey: 1\n');
  const env = { ...process.env, TIMMY_CONFIG: file, LOG_LEVEL: 'loud', TIMMY_DATA_DIR: join(dir, 'data') };
  const r = await new Promise<{ code: number | null; stderr: string }>((done) => {
    const child = execFile(process.execPath, [MAIN], { env, timeout: 60_000 }, (_err, _stdout, stderr) =>
      done({ code: child.exitCode, stderr }),
    );
  });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^npm start: invalid configuration:\n/);
  expect(r.stderr).toContain('  - logLevel');
  expect(r.stderr).toContain('  - retention/intervalDays'.replace('/', '.'));
  expect(r.stderr).not.toMatch(/^\s+at /m);
});
