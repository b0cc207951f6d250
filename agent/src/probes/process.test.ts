import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import processProbe from './process.ts';
import { options, runOnce } from './testkit.ts';

const marker = `timmy-probe-marker-${process.pid}`;
let child: ReturnType<typeof spawn>;
beforeAll(() => {
  child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300000)', marker], { stdio: 'ignore' });
});
afterAll(() => child.kill('SIGKILL'));

describe('process probe', () => {
  it('finds a process by command-line pattern', async () => {
    await new Promise((r) => setTimeout(r, 200));
    const out = await runOnce(processProbe, { pattern: `setTimeout.* ${marker}$` });
    expect(out.status).toBe('ok');
    expect(out.values?.count).toBe(1);
    expect((await runOnce(processProbe, { pattern: `${marker}-other` })).status).toBe('warn');
  });

  it('finds a process by exact name, and misses a name that is not running', async () => {
    expect((await runOnce(processProbe, { name: 'node', minCount: 1 })).status).toBe('ok');
    const out = await runOnce(processProbe, { name: 'no-such-proc', severity: 'critical' });
    expect(out.status).toBe('critical');
    expect(out.values?.count).toBe(0);
  });

  it('needs a name or a pattern', () => {
    expect(options(processProbe, {}).problems.join()).toMatch(/needs `name` or `pattern`/);
  });
});
