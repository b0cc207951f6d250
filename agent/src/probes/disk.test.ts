import { describe, expect, it } from 'vitest';
import disk, { diskFigures, diskStatus } from './disk.ts';
import { options, runOnce } from './testkit.ts';

describe('disk probe', () => {
  it('computes used % like df (reserved blocks are neither used nor available)', () => {
    // 1000 blocks, 200 free of which 150 available to users: used 800 / (800+150)
    const f = diskFigures({ bsize: 4096, blocks: 1000, bfree: 200, bavail: 150, files: 100, ffree: 25 });
    expect(f.usedPct).toBeCloseTo(84.21, 2);
    expect(f.freeBytes).toBe(150 * 4096);
    expect(f.totalBytes).toBe(1000 * 4096);
    expect(f.inodesUsedPct).toBe(75);
  });

  const defaults = options(disk, {}).o as { warnPct: number; criticalPct: number; inodeWarnPct: number; inodeCriticalPct: number };
  it.each([
    [80, undefined, 'ok'],
    [85, undefined, 'warn'],
    [89.9, 12, 'warn'],
    [90, undefined, 'critical'],
    [50, 96, 'critical'],
    [50, 91, 'warn'],
  ])('thresholds: %d%% used, inodes %s%% → %s (defaults warn 85 / critical 90)', (usedPct, inodesUsedPct, want) => {
    expect(diskStatus({ usedPct, ...(inodesUsedPct === undefined ? {} : { inodesUsedPct }) }, defaults)).toBe(want);
  });

  it('thresholds are configuration: the real root disk against thresholds below its usage', async () => {
    const out = await runOnce(disk, { mount: '/', warnPct: 0, criticalPct: 0.001 });
    expect(out.status).toBe('critical');
  });

  it('reports the mount in disks[] for the sample', async () => {
    const out = await runOnce(disk, {});
    expect(out.disks?.[0]?.mount).toBe('/');
    expect(out.disks?.[0]?.totalBytes).toBeGreaterThan(0);
  });

  it('rejects warn above critical', () => {
    expect(options(disk, { warnPct: 95, criticalPct: 90 }).problems.join()).toMatch(/warnPct/);
  });

  it('a missing mount point throws (the scheduler turns that into unknown)', async () => {
    await expect(runOnce(disk, { mount: '/does/not/exist' })).rejects.toThrow(/ENOENT/);
  });
});
