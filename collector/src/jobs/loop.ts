/** A periodic job that never overlaps itself and turns failures into a counter and a log line. */
import type { Logger } from 'pino';

export function every(
  ms: number,
  name: string,
  fn: (signal: AbortSignal) => Promise<unknown>,
  log: Logger,
  onError: (name: string) => void,
): { stop: () => Promise<void> } {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  /** Fired at stop: a long job (the paced rollup and retention) ends between two statements. */
  const abort = new AbortController();
  const tick = () => {
    if (running || stopped) return;
    running = fn(abort.signal)
      .catch((err) => {
        // A run cut short by shutdown (the database may be stopping too) is not a failure worth a warning.
        if (stopped) return;
        onError(name);
        log.warn({ err, job: name }, 'job failed');
      })
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, ms);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      abort.abort();
      await running;
    },
  };
}
