/** A periodic job that never overlaps itself and turns failures into a counter and a log line. */
import type { Logger } from 'pino';

export function every(ms: number, name: string, fn: () => Promise<unknown>, log: Logger, onError: (name: string) => void): { stop: () => Promise<void> } {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = fn()
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
      await running;
    },
  };
}

/**
 * Lets queued I/O (requests waiting on the same event loop) run. Long jobs call it between chunks of
 * synchronous work, so a job over the whole fleet never holds a request up for more than a few ms.
 */
export const yieldToRequests = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
