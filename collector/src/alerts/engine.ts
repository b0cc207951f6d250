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
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, isNull, lt, ne, sql } from 'drizzle-orm';
import { alertInstances, incidentEvents, incidentNodes, incidents } from '../db/schema/alerts.ts';
import { ackUrl, createAckToken } from './ack-link.ts';
import type { Notification, NotificationNode, NotificationTransition } from './channels/channel.ts';
import {
  DEFAULT_INCIDENT_POLICY,
  IncidentError,
  acknowledge,
  autoResolve,
  classify,
  openIncident,
  reconcile,
  resolveByHand,
  tick,
  updateIncident,
  type Incident,
  type IncidentAction,
  type IncidentPolicy,
} from './incidents.ts';
import type { AlertMetrics } from './metrics.ts';
import { Outbox, type AnyDb } from './outbox.ts';
import { route, type RoutingConfig } from './routing.ts';
import { DEFAULT_RULES_CONFIG, evaluate, type RulesConfig } from './rules.ts';
import type { AlertInstance, AlertState, AlertTransition, FleetState, NodeState } from './types.ts';

export interface AckLinkOptions {
  /** Public base URL of the collector (links point to `/v1/incidents/:id/ack?token=`). */
  baseUrl: string;
  /** HMAC keys, the first signs (>= 32 bytes each). */
  keys: string[];
  ttlMs: number;
}

export interface EngineOptions {
  routing: RoutingConfig;
  rules?: RulesConfig;
  policy?: IncidentPolicy;
  ackLinks?: AckLinkOptions;
  incidentUrl?: (incidentId: string) => string;
  newId?: () => string;
  metrics?: AlertMetrics;
}

export interface CycleResult {
  transitions: AlertTransition[];
  actions: IncidentAction[];
  /** Incident events recorded this cycle (type, incident id). */
  events: Array<{ type: string; incidentId: string }>;
  enqueued: number;
}

const d = (t: number | null) => (t === null ? null : new Date(t));
const t = (x: Date | null) => (x === null ? null : x.getTime());

type IncidentRow = typeof incidents.$inferSelect;

function toRow(i: Incident, scopeType: string) {
  return {
    id: i.id,
    key: i.key,
    severity: i.severity,
    status: i.status,
    summary: i.summary,
    scopeType,
    operatorIds: i.operatorIds,
    regions: i.regions,
    alertKeys: i.alertKeys,
    flapping: i.flapping,
    openedAt: new Date(i.openedAt),
    acknowledgedAt: d(i.acknowledgedAt),
    acknowledgedBy: i.acknowledgedBy,
    resolvedAt: d(i.resolvedAt),
    resolvedBy: i.resolvedBy,
    cause: i.cause,
    resolution: i.resolution,
    absorbedInto: i.absorbedInto,
    escalatedAt: d(i.escalatedAt),
    respondMissedAt: d(i.respondMissedAt),
    resolveMissedAt: d(i.resolveMissedAt),
    postmortemRequired: i.postmortemRequired,
    postmortemDueAt: d(i.postmortemDueAt),
  };
}

function fromRow(r: IncidentRow, nodeIds: string[]): Incident {
  return {
    id: r.id,
    key: r.key,
    severity: r.severity as Incident['severity'],
    status: r.status as Incident['status'],
    summary: r.summary,
    nodeIds,
    operatorIds: r.operatorIds,
    regions: r.regions,
    alertKeys: r.alertKeys,
    flapping: r.flapping,
    openedAt: r.openedAt.getTime(),
    acknowledgedAt: t(r.acknowledgedAt),
    acknowledgedBy: r.acknowledgedBy,
    resolvedAt: t(r.resolvedAt),
    resolvedBy: r.resolvedBy,
    cause: r.cause,
    resolution: r.resolution,
    absorbedInto: r.absorbedInto,
    escalatedAt: t(r.escalatedAt),
    respondMissedAt: t(r.respondMissedAt),
    resolveMissedAt: t(r.resolveMissedAt),
    postmortemRequired: r.postmortemRequired,
    postmortemDueAt: t(r.postmortemDueAt),
  };
}

async function loadIncidents(db: AnyDb, rows: IncidentRow[]): Promise<Incident[]> {
  if (!rows.length) return [];
  const nodes = await db
    .select({ incidentId: incidentNodes.incidentId, nodeId: incidentNodes.nodeId })
    .from(incidentNodes)
    .where(
      and(
        inArray(
          incidentNodes.incidentId,
          rows.map((r) => r.id),
        ),
        isNull(incidentNodes.removedAt),
      ),
    );
  const by = new Map<string, string[]>();
  for (const n of nodes) {
    const list = by.get(n.incidentId);
    if (list) list.push(n.nodeId);
    else by.set(n.incidentId, [n.nodeId]);
  }
  return rows.map((r) => fromRow(r, (by.get(r.id) ?? []).sort()));
}

export async function getIncident(db: AnyDb, id: string): Promise<Incident | null> {
  const rows = await db.select().from(incidents).where(eq(incidents.id, id));
  return (await loadIncidents(db, rows))[0] ?? null;
}

export interface IncidentQuery {
  from?: number;
  to?: number;
  status?: Incident['status'] | 'unresolved';
  severity?: Incident['severity'];
  /** Incidents touching this operator, region or (current) node. */
  operator?: string;
  region?: string;
  node?: string;
  limit?: number;
}

/** Incidents opened in [from, to) (all of them when no range) that match every filter, newest first. For the API, CLI and stats. */
export async function listIncidents(db: AnyDb, q: IncidentQuery = {}): Promise<Incident[]> {
  const conds = [];
  if (q.from !== undefined) conds.push(gte(incidents.openedAt, new Date(q.from)));
  if (q.to !== undefined) conds.push(lt(incidents.openedAt, new Date(q.to)));
  if (q.status === 'unresolved') conds.push(ne(incidents.status, 'resolved'));
  else if (q.status) conds.push(eq(incidents.status, q.status));
  if (q.severity) conds.push(eq(incidents.severity, q.severity));
  if (q.operator !== undefined) conds.push(sql`${incidents.operatorIds} @> ${JSON.stringify([q.operator])}::jsonb`);
  if (q.region !== undefined) conds.push(sql`${incidents.regions} @> ${JSON.stringify([q.region])}::jsonb`);
  if (q.node !== undefined) {
    conds.push(
      sql`exists (select 1 from ${incidentNodes} where ${incidentNodes.incidentId} = ${incidents.id} and ${incidentNodes.nodeId} = ${q.node} and ${incidentNodes.removedAt} is null)`,
    );
  }
  const rows = await db
    .select()
    .from(incidents)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(incidents.openedAt))
    .limit(q.limit ?? 1000);
  return loadIncidents(db, rows);
}

export async function incidentHistory(db: AnyDb, id: string) {
  return db.select().from(incidentEvents).where(eq(incidentEvents.incidentId, id)).orderBy(asc(incidentEvents.id));
}

/** A node's name, operator and region for notifications. */
type NodeLookup = Pick<Map<string, NotificationNode>, 'get'>;

/** Writes incidents, their events and their notifications; one per transaction. */
class Recorder {
  readonly db: AnyDb;
  readonly outbox: Outbox;
  readonly opts: EngineOptions;
  readonly nodeInfo: NodeLookup;
  events: CycleResult['events'] = [];
  enqueued = 0;

  constructor(db: AnyDb, opts: EngineOptions, nodeInfo: NodeLookup) {
    this.db = db;
    this.opts = opts;
    this.nodeInfo = nodeInfo;
    this.outbox = new Outbox(db, { workerId: 'engine' });
  }

  async save(i: Incident, scopeType: string, insert: boolean) {
    const row = toRow(i, scopeType);
    if (insert) await this.db.insert(incidents).values(row);
    else await this.db.update(incidents).set(row).where(eq(incidents.id, i.id));
  }

  async setNodes(i: Incident, now: number, before: string[]) {
    const added = i.nodeIds.filter((n) => !before.includes(n));
    const removed = before.filter((n) => !i.nodeIds.includes(n));
    if (added.length) {
      await this.db
        .insert(incidentNodes)
        .values(
          added.map((n) => ({
            nodeId: n,
            incidentId: i.id,
            operatorId: this.nodeInfo.get(n)?.operatorId ?? '',
            region: this.nodeInfo.get(n)?.region ?? '',
            addedAt: new Date(now),
          })),
        )
        .onConflictDoUpdate({ target: [incidentNodes.nodeId, incidentNodes.incidentId], set: { removedAt: null } });
    }
    if (removed.length) {
      await this.db
        .update(incidentNodes)
        .set({ removedAt: new Date(now) })
        .where(and(eq(incidentNodes.incidentId, i.id), inArray(incidentNodes.nodeId, removed)));
    }
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
    const [ev] = await this.db
      .insert(incidentEvents)
      .values({ incidentId: i.id, type, at: new Date(at), actor, data })
      .returning({ id: incidentEvents.id });
    this.events.push({ type, incidentId: i.id });
    this.opts.metrics?.recordIncidentEvent(type, i.severity);
    if (!notify) return;
    const n = this.notification(i, notify, at, detail);
    const channels = route(n, this.opts.routing);
    // Each channel's copy carries its own acknowledge link: the acknowledgement records who it was sent to.
    this.enqueued += await this.outbox.enqueue(
      channels.map((channel) => ({
        incidentId: i.id,
        transitionId: ev!.id,
        channel,
        notification: { ...n, ackUrl: this.ackLink(i, at, channel) },
        eventId: ev!.id,
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
      nodes: i.nodeIds.map((id) => this.nodeInfo.get(id) ?? { id, operatorId: '', region: '' }),
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
      incidentUrl: this.opts.incidentUrl?.(i.id) ?? null,
    };
  }
}

async function loadAlertState(db: AnyDb): Promise<AlertState> {
  const rows = await db.select().from(alertInstances);
  return Object.fromEntries(rows.map((r) => [r.key, r.data as AlertInstance]));
}

/**
 * Equal once stored as jsonb: key order does not count (jsonb reorders keys) and a key whose value is
 * undefined is the same as no key (JSON drops it).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => sameJson(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let defined = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    defined++;
    if (!sameJson(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) defined--;
  return defined === 0;
}

async function saveAlertState(db: AnyDb, prev: AlertState, next: AlertState, now: number) {
  const gone = Object.keys(prev).filter((k) => !(k in next));
  if (gone.length) await db.delete(alertInstances).where(inArray(alertInstances.key, gone));
  // Only what changed is written: at fleet scale nearly every instance is the same as last cycle.
  const rows = Object.values(next)
    .filter((a) => !(a.key in prev) || !sameJson(prev[a.key], a))
    .map((a) => ({ key: a.key, phase: a.phase, data: a, updatedAt: new Date(now) }));
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insert(alertInstances)
      .values(rows.slice(i, i + 500))
      .onConflictDoUpdate({
        target: alertInstances.key,
        set: { phase: sql`excluded.phase`, data: sql`excluded.data`, updatedAt: sql`excluded.updated_at` },
      });
  }
}

/**
 * One alert cycle at `now` for `state`, in one transaction on `db`. Idempotent per `now`:
 * re-running after a crash re-evaluates from the persisted alert state.
 */
export async function runAlertCycle(db: AnyDb, state: FleetState, now: number, opts: EngineOptions): Promise<CycleResult> {
  const policy = opts.policy ?? DEFAULT_INCIDENT_POLICY;
  const newId = opts.newId ?? randomUUID;
  return db.transaction(async (tx) => {
    const prev = await loadAlertState(tx);
    const { state: next, transitions } = evaluate(state, prev, now, opts.rules ?? DEFAULT_RULES_CONFIG);
    await saveAlertState(tx, prev, next, now);

    // Indexed only when a cycle writes an incident (most cycles at fleet scale write none).
    let byName: Map<string, NodeState> | null = null;
    const nodeInfo: NodeLookup = {
      get(id) {
        const n = (byName ??= new Map(state.nodes.map((x) => [x.id, x]))).get(id);
        return n && { id: n.id, operatorId: n.operatorId, region: n.region };
      },
    };
    const rec = new Recorder(tx, opts, nodeInfo);
    const openRows = await tx.select().from(incidents).where(ne(incidents.status, 'resolved')).for('update');
    const open = await loadIncidents(tx, openRows);
    const byId = new Map(open.map((i) => [i.id, i]));
    const groups = classify(next, state.nodes, policy);
    const actions = reconcile(open, groups);

    // Resolutions first: the unique (key) index allows one open incident per key.
    for (const a of actions) {
      if (a.type !== 'resolve') continue;
      const inc = byId.get(a.incidentId)!;
      const done = autoResolve(inc, now, a.absorbedInto, policy);
      await rec.save(done, openRows.find((r) => r.id === inc.id)!.scopeType, false);
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
        await rec.save(inc, a.group.scope.type, true);
        await rec.setNodes(inc, now, []);
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
        const inc = updateIncident(before, a.group);
        await rec.save(inc, a.group.scope.type, false);
        await rec.setNodes(inc, now, before.nodeIds);
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
      await tx
        .update(incidents)
        .set({
          escalatedAt: d(r.incident.escalatedAt),
          respondMissedAt: d(r.incident.respondMissedAt),
          resolveMissedAt: d(r.incident.resolveMissedAt),
        })
        .where(eq(incidents.id, inc.id));
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
    if (opts.metrics) {
      const counts = await tx.execute(sql`select severity, count(*)::int as n from incidents where status <> 'resolved' group by severity`);
      opts.metrics.setOpenIncidents(
        Object.fromEntries((counts as unknown as Array<{ severity: string; n: number }>).map((c) => [c.severity, Number(c.n)])),
      );
    }
    return { transitions, actions, events: rec.events, enqueued: rec.enqueued };
  });
}

/** Acknowledge through the API, the CLI or a verified signed link. Twice is a no-op. */
export async function acknowledgeIncident(
  db: AnyDb,
  id: string,
  by: string,
  now: number,
  opts: EngineOptions,
): Promise<{ incident: Incident; changed: boolean }> {
  return db.transaction(async (tx) => {
    const rows = await tx.select().from(incidents).where(eq(incidents.id, id)).for('update');
    const inc = (await loadIncidents(tx, rows))[0];
    if (!inc) throw new IncidentError('INCIDENT_NOT_FOUND', `incident ${id} not found`);
    const r = acknowledge(inc, by, now);
    if (r.changed) {
      await tx
        .update(incidents)
        .set({ status: r.incident.status, acknowledgedAt: d(r.incident.acknowledgedAt), acknowledgedBy: r.incident.acknowledgedBy })
        .where(eq(incidents.id, id));
      const nodeInfo = await nodeInfoOf(tx, id);
      await new Recorder(tx, opts, nodeInfo).event(r.incident, 'acknowledged', now, by, {}, 'acknowledged');
    }
    return r;
  });
}

/** Resolve by hand with cause and resolution notes (INCIDENT_NOTES_REQUIRED otherwise). */
export async function resolveIncidentByHand(
  db: AnyDb,
  id: string,
  notes: { by: string; cause: string; resolution: string },
  now: number,
  opts: EngineOptions,
): Promise<Incident> {
  return db.transaction(async (tx) => {
    const rows = await tx.select().from(incidents).where(eq(incidents.id, id)).for('update');
    const inc = (await loadIncidents(tx, rows))[0];
    if (!inc) throw new IncidentError('INCIDENT_NOT_FOUND', `incident ${id} not found`);
    const done = resolveByHand(inc, notes, now, opts.policy ?? DEFAULT_INCIDENT_POLICY);
    await tx.update(incidents).set(toRow(done, rows[0]!.scopeType)).where(eq(incidents.id, id));
    await new Recorder(tx, opts, await nodeInfoOf(tx, id)).event(
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

async function nodeInfoOf(db: AnyDb, incidentId: string): Promise<Map<string, NotificationNode>> {
  const rows = await db.select().from(incidentNodes).where(eq(incidentNodes.incidentId, incidentId));
  return new Map(rows.map((r) => [r.nodeId, { id: r.nodeId, operatorId: r.operatorId, region: r.region }]));
}
