/**
 * A value read often and computed at some cost (the status page, the fleet overview, the fleet's day
 * rows): computed at most once per `ttlMs` (one computation at a time, whoever asks), and once it is
 * older than that, the old value is still answered while the new one is computed behind it (stale while
 * revalidate), so only the first read, or a read for another key (a new day), waits for a computation.
 */
export class Refreshing<T> {
  private value: { at: number; key: string; v: T } | null = null;
  private pending: { key: string; p: Promise<T> } | null = null;
  private readonly ttlMs: number;
  private readonly compute: (now: number) => Promise<T>;
  private readonly onError: (e: unknown) => void;

  constructor(ttlMs: number, compute: (now: number) => Promise<T>, onError: (e: unknown) => void = () => {}) {
    this.ttlMs = ttlMs;
    this.compute = compute;
    this.onError = onError;
  }

  /** The value for `key` (a value computed for another key is never answered) and when it was computed. */
  async get(now: number, key = ''): Promise<{ at: number; v: T }> {
    const held = this.value;
    const usable = held !== null && held.key === key && now >= held.at;
    if (usable && now - held.at < this.ttlMs) return held;
    if (!this.pending || this.pending.key !== key) {
      const p = this.compute(now).then((v) => {
        this.value = { at: now, key, v };
        return v;
      });
      const entry = { key, p };
      this.pending = entry;
      p.then(
        () => {
          if (this.pending === entry) this.pending = null;
        },
        () => {
          if (this.pending === entry) this.pending = null;
        },
      );
    }
    const pending = this.pending;
    if (usable) {
      pending.p.catch(this.onError); // stale: answered now, refreshed behind
      return held;
    }
    const v = await pending.p;
    return { at: this.value?.key === key ? this.value.at : now, v };
  }
}
