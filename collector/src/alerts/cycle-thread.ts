/**
 * The alert cycle on a worker thread. Evaluating every node against every rule, and reading the fleet
 * for it, is a burst of CPU every few seconds that grows with the fleet; on the thread that answers
 * agents it held acknowledgements up by a few hundred ms at 20,000 nodes. A running collector
 * (runtime.ts) therefore runs its cycles here, on its own database connections; tests and the CLI run
 * the same `lockedCycle` in process. The worker's entry is cycle-worker.ts.
 *
 * The main thread still decides whether to run (observing, since when) and logs the incident events; the
 * worker takes the advisory lock, runs the cycle and sends back the outcome and its metric updates.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { LOCKS, withTryLock, type Database } from '../db/database.ts';
import { runAlertCycle, type CycleResult, type EngineOptions } from './engine.ts';
import type { AlertMetrics } from './metrics.ts';
import { fleetInterest, type FleetInterest } from './rules.ts';
import { buildAlerting } from './setup.ts';
import { loadFleetState, maintenanceFromTable, outlooksFromSla, type MaintenanceSource, type OutlookSource } from './state.ts';

export interface CycleDeps {
  database: Database;
  alerting: ReturnType<typeof buildAlerting>;
  engine: EngineOptions;
  windows: MaintenanceSource;
  outlooks: OutlookSource;
  /** What the rules can fire on: all the cycle reads of the fleet's checks. */
  interest: FleetInterest;
}

/** What a cycle needs, built the same way on either thread. */
export function cycleDeps(config: Config, database: Database, metrics: AlertMetrics, maintenance?: MaintenanceSource): CycleDeps {
  const alerting = buildAlerting(config.alerts, config.publicUrl);
  return {
    database,
    alerting,
    engine: { ...alerting.engine, metrics },
    windows: maintenance ?? maintenanceFromTable(database.sql),
    outlooks: outlooksFromSla(database.sql, { tiers: config.sla.tiers, fleetTargetPct: config.sla.fleetTargetPct }),
    interest: fleetInterest(alerting.rules),
  };
}

/** The cycle proper, under the alerts lock (once across collectors). */
export async function lockedCycle(deps: CycleDeps, now: number, observingSince: number): Promise<CycleOutcome> {
  const r = await withTryLock(deps.database.sql, LOCKS.alerts, async (): Promise<CycleOutcome> => {
    const state = await loadFleetState(deps.database.sql, now, observingSince, deps.windows, deps.outlooks, deps.interest);
    return { ran: true, ...(await runAlertCycle(deps.database.db, state, now, deps.engine)) };
  });
  return r ?? { ran: false, reason: 'locked' };
}

/** What a cycle run answers: skipped (and why) or the cycle's result. */
export type CycleOutcome = { ran: false; reason: 'locked' | 'not_observing' | 'disabled' } | ({ ran: true } & CycleResult);

export type ToWorker = { type: 'run'; id: number; now: number; since: number } | { type: 'close' };
export type FromWorker =
  | { type: 'result'; id: number; outcome?: CycleOutcome; error?: string }
  | { type: 'metric'; method: keyof AlertMetrics; args: unknown[] };

export interface CycleThread {
  run(now: number, since: number): Promise<CycleOutcome>;
  close(): Promise<void>;
}

/** The worker's entry file (cycle-worker.ts) checks it, so loading that file anywhere else does nothing. */
export const KIND = 'timmy-alert-cycle';
/** The worker thread's nice value (0 is normal priority, 19 the lowest). */
export const CYCLE_NICE = 10;

/** Main-thread side: starts the worker (again, if it died) and forwards cycles to it. */
export function startCycleThread(config: Config, databaseUrl: string, metrics: AlertMetrics, log: Logger): CycleThread {
  let worker: Worker | null = null;
  let nextId = 0;
  const pending = new Map<number, { resolve: (o: CycleOutcome) => void; reject: (e: Error) => void }>();
  const failAll = (e: Error) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const spawn = (): Worker => {
    const w = new Worker(new URL('./cycle-worker.ts', import.meta.url), { workerData: { kind: KIND, config, databaseUrl } });
    w.unref();
    w.on('message', (m: FromWorker) => {
      if (m.type === 'metric') (metrics[m.method] as (...a: unknown[]) => void)(...m.args);
      else if (m.type === 'result') {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(m.error));
        else p?.resolve(m.outcome!);
      }
    });
    w.on('error', (e) => log.error({ err: e, component: 'alerts' }, 'alert cycle thread failed'));
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      failAll(new Error(`alert cycle thread exited (${code})`));
    });
    return w;
  };
  return {
    run(now, since) {
      worker ??= spawn();
      const id = ++nextId;
      const w = worker;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.postMessage({ type: 'run', id, now, since } satisfies ToWorker);
      });
    },
    async close() {
      const w = worker;
      worker = null;
      if (!w) return;
      const exited = new Promise((r) => w.once('exit', r));
      w.postMessage({ type: 'close' } satisfies ToWorker);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
      await w.terminate();
    },
  };
}
