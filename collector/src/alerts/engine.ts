/**
 * The thin shell around the pure core: one alert cycle in one transaction.
 *
 *   alert_instances --evaluate(state, prev, now)--> next alert state
 *   firing alerts --classify--> incident groups --reconcile(open incidents)--> open/update/resolve
 *   open incidents --tick(now)--> escalations, missed targets
 *   every incident transition --route--> one outbox row per channel (same transaction)
 *
 * Run it under the alerts advisory lock (one evaluator at a time across collectors); the
 * dispatcher (dispatcher.ts) delivers what it enqueued. Acknowledge / resolve-by-hand for the API,
 * CLI and signed links are here too, so every lifecycle change is recorded and announced the same way.
 * The SQL is in the stores (alert-state-store.ts, incident-store.ts, outbox.ts).
 */
import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { ackUrl, createAckToken } from './ack-link.ts';
import { loadAlertState, saveAlertState, type AlertStateCache } from './alert-state-store.ts';
import type { Notification, NotificationNode, NotificationTransition } from './channels/channel.ts';
import type { EnginePlan } from './config.ts';
import { IncidentError } from './errors.ts';
import { DEFAULT_INCIDENT_POLICY } from './incident-policy.ts';
import {
  incidentNodeInfo,
  insertIncident,
  insertIncidentEvent,
  lockIncident,
  lockOpenIncidents,
  openIncidentCounts,
  setIncidentNodes,
  updateIncident,
  updateIncidentAck,
  updateIncidentTimers,
  type Sql,
} from './incident-store.ts';
import {
  acknowledge,
  autoResolve,
  classify,
  openIncident,
  reconcile,
  resolveByHand,
  tick,
  updateIncident as updatedIncident,
  type Incident,
  type IncidentAction,
} from './incidents.ts';
import type { AlertMetrics } from './metrics.ts';
import { Outbox } from './outbox.ts';
import { route } from './routing.ts';
import { DEFAULT_RULES_CONFIG } from './rules/load.ts';
import { evaluate } from './rules/state-machine.ts';
import type { AlertTransition, FleetState, NodeState } from './types.ts';

export interface EngineOptions extends EnginePlan {
  newId?: () => string;
  metrics?: AlertMetrics;
  /** The alert state kept between this evaluator's cycles (one per evaluator; see alert-state-store.ts). */
  stateCache?: AlertStateCache;
}

export interface CycleResult {
  transitions: AlertTransition[];
  actions: IncidentAction[];
  /** Incident events recorded this cycle (type, incident id). */
  events: Array<{ type: string; incidentId: string }>;
  enqueued: number;
}

/** Where a human reads an incident. */
export const incidentUrl = (publicUrl: string, id: string) => `${publicUrl}/v1/incidents/${encodeURIComponent(id)}`;

/** A node's name, operator and region for notifications. */
type NodeLookup = (name: string) => NotificationNode | undefined;

/** Records incident events and enqueues their notifications; one per transaction. */
class Recorder {
  readonly sql: Sql;
  readonly outbox: Outbox;
  readonly opts: EngineOptions;
  readonly nodeInfo: NodeLookup;
  events: CycleResult['events'] = [];
  enqueued = 0;

  constructor(sql: Sql, opts: EngineOptions, nodeInfo: NodeLookup) {
    this.sql = sql;
    this.opts = opts;
    this.nodeInfo = nodeInfo;
    this.outbox = new Outbox(sql, { workerId: 'engine' });
  }

  /** Record an event and enqueue its notification on every routed channel. */
  async event(
    i: Incident,
    type: string,
    at: number,
    actor: string | null,
    data: Record<string, unknown>,
    notify: NotificationTransition | null,
    detail: string | null = null,
  ) {
    const eventId = await insertIncidentEvent(this.sql, { incidentId: i.id, type, at, actor, data });
    this.events.push({ type, incidentId: i.id });
    this.opts.metrics?.recordIncidentEvent(type, i.severity);
    if (!notify) return;
    const n = this.notification(i, notify, at, detail);
    const channels = route(n, this.opts.routing);
    // Each channel's copy carries its own acknowledge link: the acknowledgement records who it was sent to.
    this.enqueued += await this.outbox.enqueue(
      channels.map((channel) => ({
        incidentId: i.id,
        transitionId: eventId,
        channel,
        notification: { ...n, ackUrl: this.ackLink(i, at, channel) },
        eventId,
      })),
      at,
    );
  }

  /** The signed acknowledge link for `recipient` (a channel name), while the incident is open and links are configured. */
  ackLink(i: Incident, at: number, recipient: string): string | null {
    const a = this.opts.ackLinks;
    return a && i.status === 'open'
      ? ackUrl(a.baseUrl, i.id, createAckToken({ incidentId: i.id, expiresAt: at + a.ttlMs, key: a.keys[0]!, recipient }))
      : null;
  }

  /** What is routed (the per-channel acknowledge link is added for each channel's copy). */
  notification(i: Incident, transition: NotificationTransition, at: number, detail: string | null): Omit<Notification, 'idempotencyKey'> {
    return {
      incidentId: i.id,
      incidentKey: i.key,
      transition,
      severity: i.severity,
      summary: i.summary,
      nodes: i.nodeIds.map((id) => this.nodeInfo(id) ?? { id, operatorId: '', region: '' }),
      operatorIds: i.operatorIds,
      regions: i.regions,
      flapping: i.flapping,
      openedAt: i.openedAt,
      resolvedAt: i.resolvedAt,
      at,
      acknowledgedBy: i.acknowledgedBy,
      cause: i.cause,
      resolution: i.resolution,
      detail,
      ackUrl: null,
      incidentUrl: this.opts.publicUrl ? incidentUrl(this.opts.publicUrl, i.id) : null,
    };
  }
}

/**
 * One alert cycle at `now` for `state`, in one transaction on `sql`. Idempotent per `now`:
 * re-running after a crash re-evaluates from the persisted alert state.
 */
export async function runAlertCycle(sql: postgres.Sql, state: FleetState, now: number, opts: EngineOptions): Promise<CycleResult> {
  const policy = opts.policy ?? DEFAULT_INCIDENT_POLICY;
  const newId = opts.newId ?? randomUUID;
  let committed = () => {};
  const result = await sql.begin(async (tx) => {
    const prev = await loadAlertState(tx, opts.stateCache);
    const { state: next, transitions } = evaluate(state, prev, now, opts.rules ?? DEFAULT_RULES_CONFIG);
    committed = await saveAlertState(tx, prev, next, now, opts.stateCache);

    // Indexed only when a cycle writes an incident (most cycles at fleet scale write none).
    let byName: Map<string, NodeState> | null = null;
    const nodeInfo: NodeLookup = (name) => {
      const n = (byName ??= new Map(state.nodes.map((x) => [x.id, x]))).get(name);
      return n && { id: n.id, operatorId: n.operatorId, region: n.region };
    };
    const rec = new Recorder(tx, opts, nodeInfo);
    const open = (await lockOpenIncidents(tx)).map((o) => o.incident);
    const byId = new Map(open.map((i) => [i.id, i]));
    const groups = classify(next, state.nodes, policy);
    const actions = reconcile(open, groups);

    // Resolutions first: the unique (key) index allows one open incident per key.
    for (const a of actions) {
      if (a.type !== 'resolve') continue;
      const inc = byId.get(a.incidentId)!;
      const done = autoResolve(inc, now, a.absorbedInto, policy);
      await updateIncident(tx, done);
      byId.delete(inc.id);
      await rec.event(
        done,
        'resolved',
        now,
        'auto',
        { reason: a.reason, absorbedInto: a.absorbedInto },
        'resolved',
        a.absorbedInto ? `merged into ${a.absorbedInto}` : null,
      );
    }
    for (const a of actions) {
      if (a.type === 'open') {
        const inc = openIncident(newId(), a.group, now, policy);
        await insertIncident(tx, inc, a.group.scope.type);
        await setIncidentNodes(tx, inc, [], now, nodeInfo);
        byId.set(inc.id, inc);
        await rec.event(
          inc,
          'opened',
          now,
          null,
          { key: inc.key, nodes: inc.nodeIds, alerts: inc.alertKeys },
          inc.flapping ? 'flapping' : 'opened',
        );
      } else if (a.type === 'update') {
        const before = byId.get(a.incidentId)!;
        const inc = updatedIncident(before, a.group);
        await updateIncident(tx, inc, a.group.scope.type);
        await setIncidentNodes(tx, inc, before.nodeIds, now, nodeInfo);
        byId.set(inc.id, inc);
        const notify: NotificationTransition | null =
          inc.flapping && !before.flapping ? 'flapping' : a.addedNodes.length ? 'updated' : null;
        await rec.event(inc, 'updated', now, null, { added: a.addedNodes, removed: a.removedNodes }, notify);
      }
    }
    // Time-driven: escalation and missed targets of everything still open.
    for (const inc of [...byId.values()]) {
      const r = tick(inc, now, policy);
      if (!r.events.length) continue;
      await updateIncidentTimers(tx, r.incident);
      for (const ev of r.events) {
        if (ev.type === 'escalated') {
          await rec.event(
            r.incident,
            'escalated',
            ev.at,
            null,
            {},
            'escalated',
            `not acknowledged within ${Math.round(policy.escalateAfterMs / 60_000)} min`,
          );
        } else {
          await rec.event(
            r.incident,
            ev.type,
            ev.at,
            null,
            { targetMs: ev.targetMs },
            'target_missed',
            `${ev.type === 'respond_target_missed' ? 'respond' : 'resolve'} target of ${Math.round(ev.targetMs / 60_000)} min missed`,
          );
        }
      }
    }
    if (opts.metrics) opts.metrics.setOpenIncidents(await openIncidentCounts(tx));
    return { transitions, actions, events: rec.events, enqueued: rec.enqueued };
  });
  committed();
  return result;
}

/**
 * Acknowledge through the API, the CLI or a verified signed link. Twice is a no-op. With `operator` (the
 * operator portal), an incident that is not that operator's is not found either.
 */
export async function acknowledgeIncident(
  sql: postgres.Sql,
  id: string,
  by: string,
  now: number,
  opts: EngineOptions,
  operator?: string,
): Promise<{ incident: Incident; changed: boolean }> {
  return sql.begin(async (tx) => {
    const found = await lockIncident(tx, id);
    if (operator !== undefined && !found?.incident.operatorIds.includes(operator))
      throw new IncidentError('FLEET_NOT_FOUND', `no incident ${id} of operator "${operator}"`);
    if (!found) throw new IncidentError('FLEET_NOT_FOUND', `incident ${id} not found`);
    const r = acknowledge(found.incident, by, now);
    if (r.changed) {
      await updateIncidentAck(tx, r.incident);
      const nodes = await incidentNodeInfo(tx, id);
      await new Recorder(tx, opts, (n) => nodes.get(n)).event(r.incident, 'acknowledged', now, by, {}, 'acknowledged');
    }
    return r;
  });
}

/** Resolve by hand with cause and resolution notes (FLEET_BAD_REQUEST without them). */
export async function resolveIncidentByHand(
  sql: postgres.Sql,
  id: string,
  notes: { by: string; cause: string; resolution: string },
  now: number,
  opts: EngineOptions,
): Promise<Incident> {
  return sql.begin(async (tx) => {
    const found = await lockIncident(tx, id);
    if (!found) throw new IncidentError('FLEET_NOT_FOUND', `incident ${id} not found`);
    const done = resolveByHand(found.incident, notes, now, opts.policy ?? DEFAULT_INCIDENT_POLICY);
    await updateIncident(tx, done);
    const nodes = await incidentNodeInfo(tx, id);
    await new Recorder(tx, opts, (n) => nodes.get(n)).event(
      done,
      'resolved',
      now,
      notes.by,
      { cause: done.cause, resolution: done.resolution },
      'resolved',
    );
    return done;
  });
}
