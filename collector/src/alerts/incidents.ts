/**
 * Incidents: pure classification of firing alerts into incidents, the incident lifecycle
 * (open -> acknowledged -> resolved), escalation and respond/resolve targets. The policy is in
 * incident-policy.ts, MTTA/MTTR in incident-stats.ts, the records' storage in incident-store.ts.
 *
 * Classification (the program's severities): P0 when (almost) all nodes are down, P1 when more than 50 % of a
 * region's nodes are down, P2 a single node failed, P3 degraded. A P0 or P1 absorbs every alert of
 * the nodes it covers: fleet leads get one incident listing the nodes, not 40.
 * Nodes in maintenance count neither as down nor in the denominators.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { EpochMs, Incident as IncidentView, type Severity } from '@timmy/shared';
import { IncidentError } from './errors.ts';
import { DEFAULT_INCIDENT_POLICY, type IncidentPolicy } from './incident-policy.ts';
import { isTracked, type AlertInstance, type AlertState } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Classification

export interface FleetNode {
  id: string;
  operatorId: string;
  region: string;
  inMaintenance?: boolean;
  /** null: never reported, so not in service and not counted (types.ts isTracked). */
  lastHeartbeatAt?: number | null;
}

/** What an incident covers: the fleet, a region, a node or an operator. */
export const INCIDENT_SCOPES = ['fleet', 'region', 'node', 'operator'] as const;
export type IncidentScope = (typeof INCIDENT_SCOPES)[number];

export interface IncidentGroup {
  /** Stable identity of the incident this group belongs to (one open incident per key). */
  key: string;
  severity: Severity;
  scope: { type: IncidentScope; id: string };
  nodeIds: string[];
  operatorIds: string[];
  regions: string[];
  alertKeys: string[];
  flapping: boolean;
  summary: string;
}

const uniqSorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
function push<K, V>(m: Map<K, V[]>, k: K, v: V) {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** Group the firing alerts into the incidents that should be open right now. */
export function classify(
  alerts: AlertState | AlertInstance[],
  nodes: FleetNode[],
  policy: IncidentPolicy = DEFAULT_INCIDENT_POLICY,
): IncidentGroup[] {
  const list = (Array.isArray(alerts) ? alerts : Object.values(alerts)).filter((a) => a.phase === 'firing');
  // The fractions count the nodes in service: not in maintenance, and reporting (a node that never did is untracked).
  const active = nodes.filter((n) => !n.inMaintenance && isTracked(n));
  const byId = new Map(active.map((n) => [n.id, n]));
  const nodeAlerts = new Map<string, AlertInstance[]>();
  const operatorAlerts = new Map<string, AlertInstance[]>();
  const regionAlerts = new Map<string, AlertInstance[]>();
  for (const a of list) {
    if (a.subject.type === 'operator') {
      push(operatorAlerts, a.subject.id, a);
    } else if (a.subject.type === 'region') {
      push(regionAlerts, a.subject.id, a);
    } else if (byId.has(a.subject.id)) {
      push(nodeAlerts, a.subject.id, a);
    }
  }
  const down = new Set([...nodeAlerts].filter(([, as]) => as.some((a) => a.incidentClass === 'down')).map(([id]) => id));
  const groups: IncidentGroup[] = [];
  const absorbed = new Set<string>();

  const big = (key: string, severity: Severity, scope: IncidentGroup['scope'], ids: string[], what: string) => {
    const covered = ids.sort();
    covered.forEach((id) => absorbed.add(id));
    const alertsOf = covered.flatMap((id) => nodeAlerts.get(id) ?? []);
    groups.push({
      key,
      severity,
      scope,
      nodeIds: covered,
      operatorIds: uniqSorted(covered.map((id) => byId.get(id)!.operatorId)),
      regions: uniqSorted(covered.map((id) => byId.get(id)!.region)),
      alertKeys: uniqSorted(alertsOf.map((a) => a.key)),
      flapping: alertsOf.some((a) => a.flapping),
      summary: `${what}: ${covered.length} node(s) down (${covered.join(', ')})`,
    });
  };

  if (active.length >= policy.p0MinNodes && down.size / active.length >= policy.p0Fraction) {
    big('fleet:P0', 'P0', { type: 'fleet', id: 'fleet' }, [...down], `fleet-wide outage, ${down.size}/${active.length}`);
  } else {
    const regions = new Map<string, FleetNode[]>();
    for (const n of active) push(regions, n.region, n);
    for (const [region, members] of [...regions].sort(([a], [b]) => a.localeCompare(b))) {
      const regionDown = members.filter((n) => down.has(n.id)).map((n) => n.id);
      if (members.length >= policy.p1MinNodes && regionDown.length / members.length > policy.p1Fraction) {
        big(
          `region:${region}:P1`,
          'P1',
          { type: 'region', id: region },
          regionDown,
          `region ${region} outage, ${regionDown.length}/${members.length}`,
        );
      }
    }
  }

  for (const [id, as] of [...nodeAlerts].sort(([a], [b]) => a.localeCompare(b))) {
    if (absorbed.has(id)) continue;
    const n = byId.get(id)!;
    for (const severity of ['P2', 'P3'] as const) {
      const mine = as.filter((a) => (severity === 'P2' ? a.incidentClass !== 'P3' : a.incidentClass === 'P3'));
      if (!mine.length) continue;
      groups.push({
        key: `node:${id}:${severity}`,
        severity,
        scope: { type: 'node', id },
        nodeIds: [id],
        operatorIds: [n.operatorId],
        regions: [n.region],
        alertKeys: uniqSorted(mine.map((a) => a.key)),
        flapping: mine.some((a) => a.flapping),
        summary: mine.map((a) => (a.flapping ? `FLAPPING ${a.summary}` : a.summary)).join('; '),
      });
    }
  }
  // An operator's or a region's own alerts (SLA at risk, coverage at risk): one P3 each, about no node, never absorbed.
  const ownP3 = (type: 'operator' | 'region', alerts: Map<string, AlertInstance[]>) => {
    for (const [id, as] of [...alerts].sort(([a], [b]) => a.localeCompare(b))) {
      groups.push({
        key: `${type}:${id}:P3`,
        severity: 'P3',
        scope: { type, id },
        nodeIds: [],
        operatorIds: type === 'operator' ? [id] : [],
        regions: type === 'region' ? [id] : [],
        alertKeys: uniqSorted(as.map((a) => a.key)),
        flapping: as.some((a) => a.flapping),
        summary: as.map((a) => (a.flapping ? `FLAPPING ${a.summary}` : a.summary)).join('; '),
      });
    }
  };
  ownP3('operator', operatorAlerts);
  ownP3('region', regionAlerts);
  return groups;
}

// ---------------------------------------------------------------------------------------------
// Incident records and their lifecycle

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/**
 * An incident record: the API's incident (@timmy/shared) with times as epoch ms, its nodes and operators
 * as `nodeIds` / `operatorIds`, and the alert keys it groups. `resolvedBy` is `auto` when the condition
 * cleared, `absorbedInto` the key of the P0/P1 incident that absorbed it.
 */
export const Incident = Type.Composite([
  Type.Omit(IncidentView, [
    'nodes',
    'operators',
    'openedAt',
    'acknowledgedAt',
    'resolvedAt',
    'escalatedAt',
    'respondMissedAt',
    'resolveMissedAt',
    'postmortemDueAt',
  ]),
  Type.Object({
    nodeIds: Type.Array(Type.String()),
    operatorIds: Type.Array(Type.String()),
    alertKeys: Type.Array(Type.String()),
    openedAt: EpochMs,
    acknowledgedAt: Nullable(EpochMs),
    resolvedAt: Nullable(EpochMs),
    escalatedAt: Nullable(EpochMs),
    respondMissedAt: Nullable(EpochMs),
    resolveMissedAt: Nullable(EpochMs),
    postmortemDueAt: Nullable(EpochMs),
  }),
]);
export type Incident = Static<typeof Incident>;

export type IncidentAction =
  | { type: 'open'; group: IncidentGroup }
  | { type: 'update'; incidentId: string; group: IncidentGroup; addedNodes: string[]; removedNodes: string[] }
  | { type: 'resolve'; incidentId: string; reason: 'cleared' | 'absorbed'; absorbedInto: string | null };

/**
 * What must change so the open incidents match the groups: open new ones, update node lists,
 * auto-resolve the ones whose condition cleared (or that a P0/P1 absorbed).
 */
export function reconcile(openIncidents: Incident[], groups: IncidentGroup[]): IncidentAction[] {
  const actions: IncidentAction[] = [];
  const open = new Map(openIncidents.filter((i) => i.status !== 'resolved').map((i) => [i.key, i]));
  const wanted = new Map(groups.map((g) => [g.key, g]));
  const bigByNode = new Map<string, string>();
  for (const g of groups) if (g.severity === 'P0' || g.severity === 'P1') for (const n of g.nodeIds) bigByNode.set(n, g.key);
  for (const inc of open.values()) {
    if (wanted.has(inc.key)) continue;
    const into =
      inc.nodeIds.length > 0 && (inc.severity === 'P2' || inc.severity === 'P3')
        ? inc.nodeIds.map((n) => bigByNode.get(n)).find((k) => k)
        : undefined;
    actions.push({ type: 'resolve', incidentId: inc.id, reason: into ? 'absorbed' : 'cleared', absorbedInto: into ?? null });
  }
  for (const g of groups) {
    const inc = open.get(g.key);
    if (!inc) {
      actions.push({ type: 'open', group: g });
      continue;
    }
    const { added, removed } = nodeChanges(inc.nodeIds, g.nodeIds);
    const alertsChanged = g.alertKeys.join('\n') !== inc.alertKeys.join('\n') || g.flapping !== inc.flapping;
    if (added.length || removed.length || alertsChanged)
      actions.push({ type: 'update', incidentId: inc.id, group: g, addedNodes: added, removedNodes: removed });
  }
  return actions;
}

/**
 * The nodes in `after` and not in `before` (added), and the reverse (removed), each in its list's order.
 * Through sets: an incident can cover the whole fleet (10,000 nodes and more), and a list's `includes`
 * for each node made every cycle quadratic in it (4 s per cycle at 10,000 nodes).
 */
export function nodeChanges(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  const was = new Set(before);
  const is = new Set(after);
  return { added: after.filter((n) => !was.has(n)), removed: before.filter((n) => !is.has(n)) };
}

/** What an incident takes from its group, when it opens and again at every update. */
function fromGroup(group: IncidentGroup): Pick<Incident, 'summary' | 'nodeIds' | 'operatorIds' | 'regions' | 'alertKeys' | 'flapping'> {
  return {
    summary: group.summary,
    nodeIds: group.nodeIds,
    operatorIds: group.operatorIds,
    regions: group.regions,
    alertKeys: group.alertKeys,
    flapping: group.flapping,
  };
}

export function openIncident(id: string, group: IncidentGroup, now: number, policy: IncidentPolicy = DEFAULT_INCIDENT_POLICY): Incident {
  return {
    id,
    key: group.key,
    severity: group.severity,
    status: 'open',
    ...fromGroup(group),
    openedAt: now,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    cause: null,
    resolution: null,
    absorbedInto: null,
    escalatedAt: null,
    respondMissedAt: null,
    resolveMissedAt: null,
    postmortemRequired: policy.postmortemFor.includes(group.severity),
    postmortemDueAt: null,
  };
}

export function updateIncident(inc: Incident, group: IncidentGroup): Incident {
  return { ...inc, ...fromGroup(group) };
}

function resolved(inc: Incident, now: number, by: string, policy: IncidentPolicy, extra: Partial<Incident>): Incident {
  if (inc.status === 'resolved') throw new IncidentError('FLEET_CONFLICT', `incident ${inc.id} is already resolved`);
  return {
    ...inc,
    ...extra,
    status: 'resolved',
    resolvedAt: now,
    resolvedBy: by,
    postmortemDueAt: inc.postmortemRequired ? now + policy.postmortemWithinMs : null,
  };
}

export function autoResolve(
  inc: Incident,
  now: number,
  absorbedInto: string | null = null,
  policy: IncidentPolicy = DEFAULT_INCIDENT_POLICY,
): Incident {
  return resolved(inc, now, 'auto', policy, {
    absorbedInto,
    resolution: absorbedInto ? `absorbed into ${absorbedInto}` : inc.resolution,
    postmortemRequired: absorbedInto ? false : inc.postmortemRequired,
  });
}

export function resolveByHand(
  inc: Incident,
  notes: { by: string; cause: string; resolution: string },
  now: number,
  policy: IncidentPolicy = DEFAULT_INCIDENT_POLICY,
): Incident {
  if (!notes.cause?.trim() || !notes.resolution?.trim())
    throw new IncidentError('FLEET_BAD_REQUEST', 'resolving by hand needs a cause and a resolution');
  return resolved(inc, now, notes.by, policy, { cause: notes.cause.trim(), resolution: notes.resolution.trim() });
}

/** Acknowledge. Acknowledging twice is a no-op (`changed: false`); a resolved incident cannot be. */
export function acknowledge(inc: Incident, by: string, now: number): { incident: Incident; changed: boolean } {
  if (inc.status === 'resolved') throw new IncidentError('FLEET_CONFLICT', `incident ${inc.id} is already resolved`);
  if (inc.status === 'acknowledged') return { incident: inc, changed: false };
  return { incident: { ...inc, status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: by }, changed: true };
}

export type IncidentTimerEvent =
  | { type: 'escalated'; at: number }
  | { type: 'respond_target_missed'; at: number; targetMs: number }
  | { type: 'resolve_target_missed'; at: number; targetMs: number };

/**
 * Time-driven events due for an incident at `now`, each produced once (the returned incident
 * records them): escalation after `escalateAfterMs` unacknowledged, a missed respond target
 * (not acknowledged in time) and a missed resolve target.
 */
export function tick(
  inc: Incident,
  now: number,
  policy: IncidentPolicy = DEFAULT_INCIDENT_POLICY,
): { incident: Incident; events: IncidentTimerEvent[] } {
  const events: IncidentTimerEvent[] = [];
  const next = { ...inc };
  const target = policy.targets[inc.severity];
  const ackBy = inc.acknowledgedAt ?? inc.resolvedAt ?? Infinity;
  const escalateAt = inc.openedAt + policy.escalateAfterMs;
  if (next.escalatedAt === null && inc.status === 'open' && now >= escalateAt) {
    next.escalatedAt = escalateAt;
    events.push({ type: 'escalated', at: escalateAt });
  }
  const respondBy = inc.openedAt + target.respondMs;
  if (next.respondMissedAt === null && ackBy > respondBy && now >= respondBy && !inc.absorbedInto) {
    next.respondMissedAt = respondBy;
    events.push({ type: 'respond_target_missed', at: respondBy, targetMs: target.respondMs });
  }
  const resolveBy = inc.openedAt + target.resolveMs;
  if (next.resolveMissedAt === null && (inc.resolvedAt ?? Infinity) > resolveBy && now >= resolveBy && !inc.absorbedInto) {
    next.resolveMissedAt = resolveBy;
    events.push({ type: 'resolve_target_missed', at: resolveBy, targetMs: target.resolveMs });
  }
  return { incident: next, events };
}

/** P0/P1 incidents resolved whose post-mortem is due (optionally only the overdue ones). */
export function postmortemsDue(incidents: Incident[], now: number, overdueOnly = false): Incident[] {
  return incidents.filter((i) => i.postmortemRequired && i.postmortemDueAt !== null && (!overdueOnly || now > i.postmortemDueAt));
}
