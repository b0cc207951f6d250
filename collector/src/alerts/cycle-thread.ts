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
import type postgres from 'postgres';
import { LOCKS, withTryLock } from '../db/database.ts';
import { AlertStateCache } from './alert-state-store.ts';
import type { Thresholds } from '../sla/budget.ts';
import type { AlertingPlan } from './config.ts';
import { runAlertCycle, type CycleResult, type EngineOptions } from './engine.ts';
import { loadFleetState, maintenanceFromTable, outlooksFromSla, type MaintenanceSource, type OutlookSource } from './fleet-state.ts';
import type { AlertMetrics } from './metrics.ts';
import { fleetInterest } from './rules/load.ts';
import type { FleetInterest } from './rules/rule.ts';

/** What the cycle needs beyond its connections, as data: the engine's plan and the SLA thresholds (projections). */
export interface CyclePlan {
  engine: AlertingPlan['engine'];
  thresholds: Thresholds;
}

export interface CycleDeps {
  sql: postgres.Sql;
  engine: EngineOptions;
  windows: MaintenanceSource;
  outlooks: OutlookSource;
  /** What the rules can fire on: all the cycle reads of the fleet's checks. */
  interest: FleetInterest;
}

/** What a cycle needs, made the same way on either thread from the plan (built once, in the alert service). */
export function cycleDeps(plan: CyclePlan, sql: postgres.Sql, metrics: AlertMetrics, maintenance?: MaintenanceSource): CycleDeps {
  return {
    sql,
    engine: { ...plan.engine, metrics, stateCache: new AlertStateCache() },
    windows: maintenance ?? maintenanceFromTable(sql),
    outlooks: outlooksFromSla(sql, plan.thresholds),
    interest: fleetInterest(plan.engine.rules),
  };
}

/** The cycle proper, under the alerts lock (once across collectors). */
export async function lockedCycle(deps: CycleDeps, now: number, observingSince: number): Promise<CycleOutcome> {
  const r = await withTryLock(deps.sql, LOCKS.alerts, async (): Promise<CycleOutcome> => {
    const state = await loadFleetState(deps.sql, now, observingSince, deps.windows, deps.outlooks, deps.interest);
    return { ran: true, ...(await runAlertCycle(deps.sql, state, now, deps.engine)) };
  });
  return r ?? { ran: false, reason: 'locked' };
}

/** What a cycle run answers: skipped (and why) or the cycle's result. */
export type CycleOutcome = { ran: false; reason: 'locked' | 'not_observing' | 'disabled' } | ({ ran: true } & CycleResult);

export type ToWorker = { type: 'run'; id: number; now: number; since: number } | { type: 'close' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; id: number; outcome?: CycleOutcome; error?: string }
  | { type: 'metric'; method: keyof AlertMetrics; args: unknown[] };

export interface CycleThread {
  /**
   * Settles once the worker has loaded its modules and opened its connections (or has failed to): a
   * collector waits for it before it listens, so that work does not land on the storm of reports that
   * follows a start.
   */
  ready: Promise<void>;
  run(now: number, since: number): Promise<CycleOutcome>;
  close(): Promise<void>;
}

/** The worker's entry file (cycle-worker.ts) checks it, so loading that file anywhere else does nothing. */
export const KIND = 'timmy-alert-cycle';
/** What the worker is started with. */
export interface WorkerData {
  kind: typeof KIND;
  plan: CyclePlan;
  databaseUrl: string;
}
/**
 * How much lower the worker thread's priority is than the thread that starts it, in nice steps (0 is
 * normal priority, 19 the lowest): 10 for a collector at 0, the lowest for one already run at 10 or more.
 */
export const CYCLE_NICE_STEP = 10;
export const cycleNice = (startedAt: number) => Math.min(19, startedAt + CYCLE_NICE_STEP);

/** Main-thread side: starts the worker (again, if it died) and forwards cycles to it. */
export function startCycleThread(plan: CyclePlan, databaseUrl: string, metrics: AlertMetrics, log: Logger): CycleThread {
  let worker: Worker | null = null;
  let nextId = 0;
  const pending = new Map<number, { resolve: (o: CycleOutcome) => void; reject: (e: Error) => void }>();
  const failAll = (e: Error) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  let onReady = () => {};
  const ready = new Promise<void>((r) => (onReady = r));
  const spawn = (): Worker => {
    const w = new Worker(new URL('./cycle-worker.ts', import.meta.url), {
      workerData: { kind: KIND, plan, databaseUrl } satisfies WorkerData,
    });
    w.unref();
    w.on('message', (m: FromWorker) => {
      if (m.type === 'ready') onReady();
      else if (m.type === 'metric') (metrics[m.method] as (...a: unknown[]) => void)(...m.args);
      else if (m.type === 'result') {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(m.error));
        else p?.resolve(m.outcome!);
      }
    });
    w.on('error', (e) => log.error({ err: e, component: 'alerts' }, 'alert cycle thread failed'));
    w.on('exit', (code) => {
      onReady();
      if (worker === w) worker = null;
      failAll(new Error(`alert cycle thread exited (${code})`));
    });
    return w;
  };
  worker = spawn();
  return {
    ready,
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
