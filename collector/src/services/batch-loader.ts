/**
 * Micro-batching for the ingest hot path: concurrent `load(key)` calls made within one tick are answered
 * by one `fetch(keys)` query (a node's first report after a collector start must not cost a round trip
 * of its own when 20,000 nodes arrive at once).
 */
export class BatchLoader<K, V> {
  private pending = new Map<K, Array<{ resolve: (v: V | undefined) => void; reject: (e: unknown) => void }>>();
  private scheduled = false;
  private readonly fetch: (keys: K[]) => Promise<Map<K, V>>;
  private readonly maxBatch: number;

  constructor(fetch: (keys: K[]) => Promise<Map<K, V>>, maxBatch = 1000) {
    this.fetch = fetch;
    this.maxBatch = maxBatch;
  }

  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.run());
      }
    });
  }

  private run(): void {
    this.scheduled = false;
    const all = this.pending;
    this.pending = new Map();
    const keys = [...all.keys()];
    for (let i = 0; i < keys.length; i += this.maxBatch) {
      const chunk = keys.slice(i, i + this.maxBatch);
      this.fetch(chunk).then(
        (found) => {
          for (const k of chunk) for (const w of all.get(k)!) w.resolve(found.get(k));
        },
        (e) => {
          for (const k of chunk) for (const w of all.get(k)!) w.reject(e);
        },
      );
    }
  }
}
