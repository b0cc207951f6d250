/** The notification outbox's retry policy (see outbox.ts): its type and defaults, free of database code. */
import type { Backoff } from '@timmy/shared';

/** The shared backoff (base and cap) plus what only the outbox has. */
export interface RetryPolicy extends Backoff {
  /** Give up (dead) when the row is older than this and the latest attempt failed. */
  maxAgeMs: number;
  /** How long a claim holds before another dispatcher may take the row over. */
  leaseMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseMs: 2_000, capMs: 10 * 60_000, maxAgeMs: 12 * 3_600_000, leaseMs: 60_000 };
