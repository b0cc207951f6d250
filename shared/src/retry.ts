/**
 * The one retry policy of the agent's push and the collector's alert outbox: exponential backoff with
 * full jitter above a floor, and a receiver's `Retry-After` honoured up to the cap.
 *
 * Delay before the next attempt, after `attempts` failed ones: a uniformly random point in
 * [base, min(cap, base × 2^(attempts−1))] (the floor keeps a retry from spinning), and never earlier
 * than `Retry-After`, itself capped, so no delay ever exceeds the cap.
 */
export interface Backoff {
  /** The shortest delay, and the first attempt's ceiling. */
  baseMs: number;
  /** The longest delay, Retry-After included. */
  capMs: number;
}

export function retryDelay(attempts: number, backoff: Backoff, rand: () => number = Math.random, retryAfterMs?: number): number {
  const { baseMs, capMs } = backoff;
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  const jittered = baseMs + Math.floor(rand() * Math.max(0, ceiling - baseMs));
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, capMs));
}

/**
 * `Retry-After` in milliseconds from now: delta-seconds (decimals tolerated) or an HTTP date (a date in
 * the past is 0). Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  // An HTTP date names its day or month; bare numbers and signs are not dates (Date.parse('-5') is 2001).
  const at = /[a-z]/i.test(v) ? Date.parse(v) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
