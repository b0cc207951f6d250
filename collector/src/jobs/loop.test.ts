import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { every } from './loop.ts';

describe('every', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never overlaps a run, and stop() ends a long run through its signal without counting an error', async () => {
    const errors: string[] = [];
    let started = 0;
    const job = every(
      1000,
      'long',
      (signal) =>
        new Promise((_resolve, reject) => {
          started++;
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
      pino({ level: 'silent' }),
      (name) => errors.push(name),
    );
    await vi.advanceTimersByTimeAsync(5000);
    expect(started).toBe(1);
    await job.stop();
    expect(errors).toEqual([]);
  });

  it('counts a failing run', async () => {
    const errors: string[] = [];
    const job = every(
      1000,
      'failing',
      async () => Promise.reject(new Error('boom')),
      pino({ level: 'silent' }),
      (name) => errors.push(name),
    );
    await vi.advanceTimersByTimeAsync(2000);
    await job.stop();
    expect(errors).toEqual(['failing', 'failing']);
  });
});
