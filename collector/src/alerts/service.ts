/**
 * The alerting shell of a running collector: the alert cycle (one collector at a time, advisory
 * lock), the dispatcher (every collector; the outbox claim makes that safe), and the incident and
 * notification reads and lifecycle actions the API and the CLI share.
 */
import { sql as dsql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { ObservationRecorder } from '../services/observation.ts';
import { ackLinkActor, verifyAckToken, type AckLinkError, type AckLinkResult } from './ack-link.ts';
import { runDispatcher, type DispatchResult } from './dispatcher.ts';
import { acknowledgeIncident, getIncident, incidentHistory, listIncidents, resolveIncidentByHand } from './engine.ts';
import { incidentStats, type Incident } from './incidents.ts';
import type { AlertMetrics } from './metrics.ts';
import { Outbox } from './outbox.ts';
import type { MaintenanceSource } from './state.ts';
import { cycleDeps, lockedCycle, startCycleThread, type CycleOutcome, type CycleThread } from './cycle-thread.ts';

export interface NotificationFilter {
  status?: string;
  incidentId?: string;
  channel?: string;
  limit?: number;
}

export function createAlertService(
  config: Config,
  database: Database,
  clock: Clock,
  observation: ObservationRecorder,
  metrics: AlertMetrics,
  log: Logger,
  maintenance?: MaintenanceSource,
) {
  const deps = cycleDeps(config, database, metrics, maintenance);
  const { alerting, engine } = deps;
  const outbox = new Outbox(database.db, { workerId: observation.instanceId, policy: alerting.retry });
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
  function runCyclesInThread(databaseUrl: string): void {
    thread ??= startCycleThread(config, databaseUrl, metrics, log);
  }

  /** One delivery round at `now`. */
  function dispatch(now: number = clock()): Promise<DispatchResult> {
    return runDispatcher({ db: database.db, channels: alerting.channels, now, log: dlog, metrics, outbox, policy: alerting.retry });
  }

  async function acknowledge(id: string, by: string, now: number = clock()) {
    return acknowledgeIncident(database.db, id, by, now, engine);
  }

  /** Checks an acknowledge link without acting on it (the confirmation page); the verdict code when it does not hold. */
  function checkAckLink(id: string, token: string, now: number = clock()): AckLinkResult | { ok: false; code: 'ACK_LINK_DISABLED' } {
    const keys = engine.ackLinks?.keys;
    if (!keys?.length) return { ok: false, code: 'ACK_LINK_DISABLED' };
    return verifyAckToken(token, keys, now, id);
  }

  /** Acknowledge through a signed link, recorded as its recipient's; the token's verdict code when it does not hold. */
  async function acknowledgeByLink(
    id: string,
    token: string,
    now: number = clock(),
  ): Promise<{ ok: true; incident: Incident; changed: boolean } | { ok: false; code: AckLinkError | 'ACK_LINK_DISABLED' }> {
    const v = checkAckLink(id, token, now);
    if (!v.ok) return v;
    return { ok: true, ...(await acknowledgeIncident(database.db, id, ackLinkActor(v.recipient), now, engine)) };
  }

  async function resolve(id: string, notes: { by: string; cause: string; resolution: string }, now: number = clock()) {
    return resolveIncidentByHand(database.db, id, notes, now, engine);
  }

  async function stats(from: number, to: number) {
    return incidentStats(await listIncidents(database.db, { from, to, limit: 100_000 }), { from, to });
  }

  async function notifications(f: NotificationFilter = {}) {
    const conds = [dsql`true`];
    if (f.status) conds.push(dsql`status = ${f.status}`);
    if (f.incidentId) conds.push(dsql`incident_id = ${f.incidentId}`);
    if (f.channel) conds.push(dsql`channel = ${f.channel}`);
    const rows = (await database.db.execute(dsql`
      select id, idempotency_key, incident_id, channel, transition, status, attempts, created_at, next_attempt_at, sent_at, last_status, last_error
        from alert_notifications where ${dsql.join(conds, dsql` and `)} order by id desc limit ${f.limit ?? 100}`)) as unknown as Array<
      Record<string, unknown>
    >;
    const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v instanceof Date ? v : String(v)).toISOString());
    return rows.map((r) => ({
      id: Number(r.id),
      idempotencyKey: String(r.idempotency_key),
      incidentId: String(r.incident_id),
      channel: String(r.channel),
      transition: String(r.transition),
      status: String(r.status),
      attempts: Number(r.attempts),
      createdAt: iso(r.created_at)!,
      nextAttemptAt: iso(r.next_attempt_at),
      sentAt: iso(r.sent_at),
      lastStatus: r.last_status === null ? null : Number(r.last_status),
      lastError: r.last_error === null ? null : String(r.last_error),
    }));
  }

  return {
    config: config.alerts,
    channels: alerting.channels,
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
    notifications,
    list: (q: Parameters<typeof listIncidents>[1]) => listIncidents(database.db, q),
    get: (id: string) => getIncident(database.db, id),
    history: (id: string) => incidentHistory(database.db, id),
  };
}
export type AlertService = ReturnType<typeof createAlertService>;
