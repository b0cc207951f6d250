import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import system, { parseMeminfo } from './system.ts';
import { runOnce } from './testkit.ts';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'timmy-sys-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const proc = (availKb: number) => {
  writeFileSync(join(dir, 'loadavg'), '0.50 0.40 0.30 1/100 1234\n');
  writeFileSync(
    join(dir, 'meminfo'),
    `MemTotal:        4000000 kB\nMemFree:          100000 kB\nMemAvailable:    ${availKb} kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\n`,
  );
};

describe('system probe (load + memory)', () => {
  it('parses /proc/meminfo in bytes', () => {
    expect(parseMeminfo('MemTotal:  2 kB\nHugePages_Total: 0\n')).toEqual({ MemTotal: 2048, HugePages_Total: 0 });
  });
  it.each([
    [2_000_000, 'ok', 50],
    [300_000, 'warn', 92.5],
    [40_000, 'critical', 99],
  ])('MemAvailable %i kB → %s', async (avail, want, pct) => {
    proc(avail);
    const out = await runOnce(system, { procRoot: dir });
    expect(out.status).toBe(want);
    expect(out.values?.memUsedPct).toBe(pct);
    expect(out.values?.load5).toBe(0.4);
  });
});
