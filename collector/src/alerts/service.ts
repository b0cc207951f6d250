/**
 * The alerting shell of a running collector: the alert cycle (one collector at a time, advisory
 * lock), the dispatcher (every collector; the outbox claim makes that safe), and the incident and
 * notification reads and lifecycle actions the API and the CLI share.
 */
import type { Logger } from 'pino';
import type { NotificationRecord } from '@timmy/shared';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { ObservationRecorder } from '../services/observation.ts';
import { ackLinkActor, verifyAckToken, type AckLinkError, type AckLinkResult } from './ack-link.ts';
import { createChannels } from './channels/registry.ts';
import { loadAlerting } from './config.ts';
import { cycleDeps, lockedCycle, startCycleThread, type CycleOutcome, type CyclePlan, type CycleThread } from './cycle-thread.ts';
import { runDispatcher, type DispatchResult } from './dispatcher.ts';
import { acknowledgeIncident, resolveIncidentByHand } from './engine.ts';
import type { MaintenanceSource } from './fleet-state.ts';
import { getIncident, incidentHistory, listIncidents, type IncidentQuery } from './incident-store.ts';
import { incidentStats } from './incident-stats.ts';
import type { Incident } from './incidents.ts';
import type { AlertMetrics } from './metrics.ts';
import { listNotifications, Outbox, type NotificationFilter } from './outbox.ts';

export function createAlertService(
  config: Config,
  database: Database,
  clock: Clock,
  observation: ObservationRecorder,
  metrics: AlertMetrics,
  log: Logger,
  maintenance?: MaintenanceSource,
) {
  // Built once (config.ts validated the same block at start): the plan is data, also handed to the cycle's thread.
  const alerting = loadAlerting(config.alerts, config.publicUrl);
  const channels = createChannels(alerting.channels);
  const plan: CyclePlan = { engine: alerting.engine, thresholds: { tiers: config.sla.tiers, fleetTargetPct: config.sla.fleetTargetPct } };
  const deps = cycleDeps(plan, database.sql, metrics, maintenance);
  const { engine } = deps;
  const outbox = new Outbox(database.sql, { workerId: observation.instanceId, policy: alerting.retry });
  const dlog = log.child({ component: 'dispatcher' });

  /** Set when cycles run in a worker thread (a running collector): see cycle-thread.ts. */
  let thread: CycleThread | null = null;

  /** One alert cycle at `now`, if this collector holds the alerts lock and is observing. */
  async function runCycle(now: number = clock()): Promise<CycleOutcome> {
    if (!config.alerts.enabled) return { ran: false, reason: 'disabled' };
    const since = observation.continuousSince(now);
    if (since === null) return { ran: false, reason: 'not_observing' };
    const r = thread ? await thread.run(now, since) : await lockedCycle(deps, now, since);
    if (r.ran) for (const e of r.events) log.info({ component: 'alerts', event: e.type, incidentId: e.incidentId }, 'incident event');
    return r;
  }

  /**
   * Runs the alert cycles in a worker thread from now on: evaluating the whole fleet is CPU work that
   * must not hold up the requests (and acknowledgements) on this thread. Its metrics come back here.
   */
  function runCyclesInThread(databaseUrl: string): Promise<void> {
    thread ??= startCycleThread(plan, databaseUrl, metrics, log);
    return thread.ready;
  }

  /** One delivery round at `now`. */
  function dispatch(now: number = clock()): Promise<DispatchResult> {
    return runDispatcher({ sql: database.sql, channels, now, log: dlog, metrics, outbox, policy: alerting.retry });
  }

  /** Acknowledge as `by`; with `scope.operator` (the operator portal) only one of that operator's incidents. */
  async function acknowledge(id: string, by: string, now: number = clock(), scope: { operator?: string } = {}) {
    return acknowledgeIncident(database.sql, id, by, now, engine, scope.operator);
  }

  /** Checks an acknowledge link without acting on it (the confirmation page); the verdict code when it does not hold. */
  function checkAckLink(id: string, token: string, now: number = clock()): AckLinkResult | { ok: false; code: 'FLEET_ACK_LINK_DISABLED' } {
    const keys = engine.ackLinks?.keys;
    if (!keys?.length) return { ok: false, code: 'FLEET_ACK_LINK_DISABLED' };
    return verifyAckToken(token, keys, now, id);
  }

  /** Acknowledge through a signed link, recorded as its recipient's; the token's verdict code when it does not hold. */
  async function acknowledgeByLink(
    id: string,
    token: string,
    now: number = clock(),
  ): Promise<{ ok: true; incident: Incident; changed: boolean } | { ok: false; code: AckLinkError | 'FLEET_ACK_LINK_DISABLED' }> {
    const v = checkAckLink(id, token, now);
    if (!v.ok) return v;
    return { ok: true, ...(await acknowledgeIncident(database.sql, id, ackLinkActor(v.recipient), now, engine)) };
  }

  async function resolve(id: string, notes: { by: string; cause: string; resolution: string }, now: number = clock()) {
    return resolveIncidentByHand(database.sql, id, notes, now, engine);
  }

  async function stats(from: number, to: number) {
    return incidentStats(await listIncidents(database.sql, { from, to, limit: 100_000 }), { from, to });
  }

  return {
    config: config.alerts,
    channels,
    runCycle,
    runCyclesInThread,
    close: async () => {
      await thread?.close();
      thread = null;
    },
    dispatch,
    acknowledge,
    acknowledgeByLink,
    checkAckLink,
    resolve,
    stats,
    notifications: async (f: NotificationFilter = {}): Promise<NotificationRecord[]> =>
      (await listNotifications(database.sql, f)).map((r) => ({
        ...r,
        createdAt: r.createdAt.toISOString(),
        nextAttemptAt: r.nextAttemptAt.toISOString(),
        sentAt: r.sentAt?.toISOString() ?? null,
      })),
    /** The outbox's rows per status and the age of the oldest undelivered one (the fleet page's outbox health). */
    outboxCounts: (now: number = clock()) => outbox.counts(now),
    list: (q: IncidentQuery) => listIncidents(database.sql, q),
    get: (id: string) => getIncident(database.sql, id),
    history: (id: string) => incidentHistory(database.sql, id),
  };
}
export type AlertService = ReturnType<typeof createAlertService>;
