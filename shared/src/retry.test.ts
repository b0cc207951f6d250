import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryDelay, type Backoff } from './retry.ts';

const S = 1000;
const MIN = 60 * S;
const AGENT: Backoff = { baseMs: S, capMs: MIN };
const OUTBOX: Backoff = { baseMs: 2 * S, capMs: 10 * MIN };

describe('retry delay', () => {
  it.each([
    // uniform in [base, min(cap, base * 2^(attempts-1))]
    { b: AGENT, attempts: 1, rand: 0, retryAfter: undefined, want: S },
    { b: AGENT, attempts: 1, rand: 0.999, retryAfter: undefined, want: S },
    { b: AGENT, attempts: 3, rand: 0.5, retryAfter: undefined, want: S + 1.5 * S }, // ceiling 4 s: 1 s + 0.5 * 3 s
    { b: AGENT, attempts: 30, rand: 0.5, retryAfter: undefined, want: S + 29.5 * S }, // ceiling 60 s: 1 s + 0.5 * 59 s
    { b: AGENT, attempts: 30, rand: 0.999999, retryAfter: undefined, want: S + Math.floor(0.999999 * 59 * S) },
    { b: OUTBOX, attempts: 3, rand: 0.5, retryAfter: undefined, want: 2 * S + 3 * S },
    { b: OUTBOX, attempts: 3, rand: 0.999, retryAfter: undefined, want: 2 * S + Math.floor(0.999 * 6 * S) },
    { b: OUTBOX, attempts: 20, rand: 0.999, retryAfter: undefined, want: 2 * S + Math.floor(0.999 * (10 * MIN - 2 * S)) },
    { b: OUTBOX, attempts: 200, rand: 0, retryAfter: undefined, want: 2 * S },
    // Retry-After: never earlier, and capped like everything else
    { b: OUTBOX, attempts: 1, rand: 0, retryAfter: 30 * S, want: 30 * S },
    { b: OUTBOX, attempts: 1, rand: 0, retryAfter: 5 * 3600 * S, want: 10 * MIN },
    { b: AGENT, attempts: 1, rand: 0, retryAfter: 0, want: S },
    { b: AGENT, attempts: 6, rand: 0.999, retryAfter: 2 * S, want: S + Math.floor(0.999 * 31 * S) },
  ])('$b.baseMs..$b.capMs attempts=$attempts rand=$rand retryAfter=$retryAfter -> $want ms', ({ b, attempts, rand, retryAfter, want }) => {
    expect(retryDelay(attempts, b, () => rand, retryAfter)).toBe(want);
  });

  it('grows with attempts and never exceeds the cap', () => {
    for (const b of [AGENT, OUTBOX]) {
      const maxes = [1, 2, 3, 4, 5, 10, 20, 64].map((a) => retryDelay(a, b, () => 0.999999));
      expect(maxes).toEqual([...maxes].sort((x, y) => x - y));
      expect(Math.max(...maxes)).toBeLessThanOrEqual(b.capMs);
    }
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    { v: '5', want: 5000 },
    { v: ' 7 ', want: 7000 },
    { v: '1.5', want: 1500 },
    { v: ['3', '9'], want: 3000 },
    { v: 'Thu, 01 Jan 2026 00:00:30 GMT', want: 30_000 },
    { v: 'Wed, 31 Dec 2025 23:59:00 GMT', want: 0 },
    { v: 'garbage', want: undefined },
    { v: '-5', want: undefined },
    { v: '', want: undefined },
    { v: undefined, want: undefined },
  ])('$v -> $want', ({ v, want }) => {
    expect(parseRetryAfter(v, now)).toBe(want);
  });
});
