/**
 * The alert cycle worker's entry file (started by startCycleThread in cycle-thread.ts): it runs
 * `lockedCycle` on its own database connections for each request from the main thread and forwards
 * its metric updates. It has no other job, and does nothing when loaded outside that worker.
 */
import { getPriority, setPriority } from 'node:os';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/database.ts';
import { KIND, cycleNice, cycleDeps, lockedCycle, type FromWorker, type ToWorker, type WorkerData } from './cycle-thread.ts';
import type { AlertMetrics } from './metrics.ts';

if (!isMainThread && (workerData as Partial<WorkerData> | null)?.kind === KIND) {
  const { plan, databaseUrl } = workerData as WorkerData;
  // A lower scheduling priority for this thread only (on Linux the nice value is per thread): when the
  // cores are busy, a cycle's burst yields to the thread acknowledging reports and to PostgreSQL.
  // Cycles still run (they are a few % of a core on average), only a little later under load.
  try {
    setPriority(cycleNice(getPriority()));
  } catch {}
  const port = parentPort!;
  const post = (m: FromWorker) => port.postMessage(m);
  const forward =
    (method: keyof AlertMetrics) =>
    (...args: unknown[]) =>
      post({ type: 'metric', method, args });
  const metrics: AlertMetrics = {
    recordAttempt: forward('recordAttempt'),
    setOutbox: forward('setOutbox'),
    setOpenIncidents: forward('setOpenIncidents'),
    recordIncidentEvent: forward('recordIncidentEvent'),
  };
  const database = openDatabase(databaseUrl, { max: 3 });
  const deps = cycleDeps(plan, database.sql, metrics);
  // Ready once a connection is open (a failure here shows at the first cycle, as it would have anyway).
  let queue = database.sql`select 1`.then(
    () => post({ type: 'ready' }),
    () => post({ type: 'ready' }),
  );
  port.on('message', (m: ToWorker) => {
    if (m.type === 'close') {
      queue = queue.then(async () => {
        await database.close();
        process.exit(0);
      });
      return;
    }
    queue = queue.then(async () => {
      try {
        post({ type: 'result', id: m.id, outcome: await lockedCycle(deps, m.now, m.since) });
      } catch (e) {
        post({ type: 'result', id: m.id, error: e instanceof Error ? e.message : String(e) });
      }
    });
  });
}
