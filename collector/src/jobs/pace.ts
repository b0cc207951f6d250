/**
 * Pacing for the periodic jobs: they run on the same cores as ingest (at 20,000 nodes the hourly rollup
 * is about 45 s of PostgreSQL CPU, a retention run deletes 2.4 million rows). Each step is one statement;
 * after it the job pauses `pauseRatio` times as long as the step took, so a job takes at most
 * 1 / (1 + pauseRatio) of one core, and `oneCore` keeps PostgreSQL from spreading a step over parallel
 * workers (which would take every core at once).
 */
import type postgres from 'postgres';

/** The default: a job uses at most a third of one core. */
export const DEFAULT_PAUSE_RATIO = 2;

/** A pause that ends early, rejecting, when `signal` fires. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs one step, then pauses in proportion to how long it took. With `signal` (the collector stopping),
 * no step starts after it fires and the pause ends at once: a job of several minutes (the hourly rollup)
 * stops between two statements instead of holding up the shutdown. Its work is redone by the next run.
 */
export async function paced<T>(pauseRatio: number, step: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  signal?.throwIfAborted();
  const t0 = performance.now();
  const r = await step();
  if (pauseRatio > 0) await pause((performance.now() - t0) * pauseRatio, signal);
  return r;
}

/** A statement in its own transaction without parallel workers. */
export async function oneCore<T>(sql: postgres.Sql, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return (await sql.begin(async (tx) => {
    await tx`set local max_parallel_workers_per_gather = 0`;
    return fn(tx);
  })) as T;
}
