import { Type } from '@sinclair/typebox';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CheckResult, checker, type Sample } from '@timmy/shared';
import type { ProbeConfig } from './config.ts';
import { defineProbe, type ProbeOutput } from './probes/probe.ts';
import heartbeat from './probes/heartbeat.ts';
import { Scheduler } from './scheduler.ts';
import { rootLogger } from './log.ts';

const env = { user: 'u', uid: 0, home: '/h' };
const log = rootLogger('silent');

function probe(name: string, run: () => Promise<ProbeOutput>, intervalS = 1, timeoutS = 0.5): ProbeConfig & { calls: () => number } {
  let calls = 0;
  const def = defineProbe({
    type: 'test',
    options: Type.Object({}),
    defaultIntervalS: intervalS,
    defaultTimeoutS: timeoutS,
    defaultName: () => name,
    create: () => ({
      run: () => {
        calls++;
        return run();
      },
    }),
  });
  return { type: 'test', name, intervalS, timeoutS, slaCritical: name === 'critical-one', def, options: {}, calls: () => calls };
}
const hb = (intervalS = 1): ProbeConfig => ({
  type: 'heartbeat',
  name: 'heartbeat',
  intervalS,
  timeoutS: 0.5,
  slaCritical: false,
  def: heartbeat,
  options: {},
});

beforeEach(() => vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') }));
afterEach(() => vi.useRealTimers());

describe('Scheduler', () => {
  it('makes what a probe copies from files or commands wire text the collector accepts', async () => {
    // A file tail with a NUL, a lone surrogate, a pair cut by the length limit, and values beyond what is stored.
    const text = `FAILED\u0000 at \ud800 ${'x'.repeat(2035)}\ud83d\ude00`;
    const p = probe('file:/var/log/x', async () => ({
      status: 'warn',
      message: text,
      values: { tail: `a\u0000b${'y'.repeat(2000)}`, load: 1e300, n: -1e39, ok: 3.5, yes: true },
    }));
    const s = new Scheduler([p], env, {}, log, { onSample() {} });
    const { result } = await s.runProbe((s as unknown as { slots: Parameters<Scheduler['runProbe']>[0][] }).slots[0]!);
    const { at: _at, ...wire } = result;
    expect(checker(CheckResult).problems(wire)).toEqual([]);
    expect(result.message.startsWith('FAILED at \ufffd x')).toBe(true);
    expect(result.message.length).toBe(2048);
    expect(result.message.endsWith('x\ufffd')).toBe(true); // the pair cut by the limit
    expect(result.values).toMatchObject({ load: null, n: null, ok: 3.5, yes: true });
    expect(result.values!.tail).toMatch(/^aby+$/);
  });

  it('a hung probe is timed out as unknown and never overlaps itself', async () => {
    const hung = probe('hung', () => new Promise<ProbeOutput>(() => {}));
    const s = new Scheduler([hung], env, {}, log, { onSample() {} });
    s.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.latest.get('hung')).toMatchObject({ status: 'unknown', message: 'probe timed out after 0.5 s' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.latest.get('hung')?.message).toMatch(/still hung/);
    expect(hung.calls()).toBe(1);
    expect(s.probeStats()[0]).toMatchObject({ failures: 1 });
    s.stop();
  });

  it('a throwing probe becomes an unknown result with the reason; the next run is normal', async () => {
    let n = 0;
    const flaky = probe('flaky', async () => {
      if (n++ === 0) throw Object.assign(new Error('boom'), { code: 'EIO' });
      return { status: 'ok', message: 'fine' };
    });
    const s = new Scheduler([flaky], env, {}, log, { onSample() {} });
    s.start();
    await vi.advanceTimersByTimeAsync(300);
    expect(s.latest.get('flaky')).toMatchObject({ status: 'unknown', message: 'probe failed: EIO: boom' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.latest.get('flaky')).toMatchObject({ status: 'ok', message: 'fine' });
    s.stop();
  });

  it('each heartbeat closes a sample with the checks and disks gathered since the previous one', async () => {
    const samples: Array<Omit<Sample, 'seq'>> = [];
    const check = probe(
      'critical-one',
      async () => ({
        status: 'critical',
        message: 'down',
        values: { x: 1 },
        disks: [{ mount: '/', totalBytes: 10, freeBytes: 5, usedPct: 50 }],
      }),
      2,
    );
    const s = new Scheduler([hb(1), check], env, {}, log, { onSample: (x) => samples.push(x), extraChecks: () => [] });
    s.start();
    await vi.advanceTimersByTimeAsync(4100);
    s.stop();
    expect(samples.length).toBeGreaterThanOrEqual(4);
    const withChecks = samples.filter((x) => x.checks?.length);
    const allChecks = samples.flatMap((x) => x.checks ?? []);
    expect(allChecks.length).toBe(check.calls());
    expect(withChecks[0]!.checks![0]).toMatchObject({
      name: 'critical-one',
      probe: 'test',
      status: 'critical',
      slaCritical: true,
      values: { x: 1 },
    });
    expect(withChecks[0]!.disks).toEqual([{ mount: '/', totalBytes: 10, freeBytes: 5, usedPct: 50 }]);
    expect(samples.every((x) => x.heartbeat.bootId.length > 0)).toBe(true);
  });

  it('runAllOnce runs every check once (for `health` without a daemon)', async () => {
    vi.useRealTimers();
    const a = probe('a', async () => ({ status: 'ok', message: 'a' }));
    const b = probe('b', async () => ({ status: 'warn', message: 'b' }));
    const s = new Scheduler([hb(), a, b], env, {}, log, { onSample() {} });
    const rows = await s.runAllOnce();
    expect(rows.map((r) => [r.name, r.status])).toEqual([
      ['heartbeat', 'ok'],
      ['a', 'ok'],
      ['b', 'warn'],
    ]);
  });
});
