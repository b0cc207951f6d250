import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { paced } from './pace.ts';

describe('paced', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const run = (pauseRatio: number) => {
    let done = false;
    const p = paced(pauseRatio, () => new Promise<string>((r) => setTimeout(() => r('ok'), 100))).then((v) => {
      done = true;
      return v;
    });
    return { p, done: () => done };
  };

  it('pauses after a step for pauseRatio times as long as the step took', async () => {
    const r = run(2);
    await vi.advanceTimersByTimeAsync(100 + 199);
    expect(r.done()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.done()).toBe(true);
    expect(await r.p).toBe('ok');
  });

  it('does not pause with a ratio of 0', async () => {
    const r = run(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(r.done()).toBe(true);
  });
});
