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

  it('a stop (the signal) ends the pause at once and starts no further step', async () => {
    const stop = new AbortController();
    let steps = 0;
    const step = () => new Promise<void>((r) => setTimeout(() => r(void steps++), 100));
    const job = (async () => {
      for (let i = 0; i < 10; i++) await paced(2, step, stop.signal);
    })();
    const outcome = job.then(
      () => 'finished',
      (e: Error) => e.name,
    );
    await vi.advanceTimersByTimeAsync(100 + 50); // the first step, then part of its pause
    stop.abort();
    expect(await outcome).toBe('AbortError');
    expect(steps).toBe(1);
    await expect(paced(2, step, stop.signal)).rejects.toThrow();
    expect(steps).toBe(1);
  });
});
