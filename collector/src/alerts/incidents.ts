/**
 * Incidents: pure classification of firing alerts into incidents, the incident lifecycle
 * (open -> acknowledged -> resolved), escalation and respond/resolve targets, MTTA/MTTR.
 *
 * Classification (the program's severities): P0 when (almost) all nodes are down, P1 when more than 50 % of a
 * region's nodes are down, P2 a single node failed, P3 degraded. A P0 or P1 absorbs every alert of
 * the nodes it covers: fleet leads get one incident listing the nodes, not 40.
 * Nodes in maintenance count neither as down nor in the denominators.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isTracked, type AlertInstance, type AlertState } from './types.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

export type IncidentSeverity = 'P0' | 'P1' | 'P2' | 'P3';
export const SEVERITIES: readonly IncidentSeverity[] = ['P0', 'P1', 'P2', 'P3'];
export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';

const Target = Type.Object(
  { respondMs: Type.Integer({ minimum: 1 }), resolveMs: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

export const IncidentPolicySchema = Type.Object(
  {
    p0Fraction: Type.Number({ minimum: 0, maximum: 1, default: 0.9, description: 'share of nodes down that makes a fleet-wide outage' }),
    p0MinNodes: Type.Integer({ minimum: 1, default: 3 }),
    p1Fraction: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'a region is P1 when strictly more than this share is down',
    }),
    p1MinNodes: Type.Integer({ minimum: 1, default: 2 }),
    escalateAfterMs: Type.Integer({ minimum: 1, default: 10 * MIN }),
    postmortemWithinMs: Type.Integer({ minimum: 1, default: 48 * HOUR }),
    postmortemFor: Type.Array(Type.Union([Type.Literal('P0'), Type.Literal('P1'), Type.Literal('P2'), Type.Literal('P3')]), {
      default: ['P0', 'P1'],
    }),
    targets: Type.Object(
      { P0: Target, P1: Target, P2: Target, P3: Target },
      {
        additionalProperties: false,
        default: {
          P0: { respondMs: 15 * MIN, resolveMs: 4 * HOUR },
          P1: { respondMs: 30 * MIN, resolveMs: 8 * HOUR },
          P2: { respondMs: 1 * HOUR, resolveMs: 24 * HOUR },
          P3: { respondMs: 4 * HOUR, resolveMs: 72 * HOUR },
        },
      },
    ),
  },
  { additionalProperties: false },
);
export type IncidentPolicy = Static<typeof IncidentPolicySchema>;

export class IncidentError extends Error {
  readonly code: 'INCIDENT_POLICY_INVALID' | 'INCIDENT_RESOLVED' | 'INCIDENT_NOTES_REQUIRED' | 'INCIDENT_NOT_FOUND';
  constructor(code: IncidentError['code'], message: string) {
    super(message);
    this.name = 'IncidentError';
    this.code = code;
  }
}

export function loadIncidentPolicy(input: unknown = {}): IncidentPolicy {
  const v = Value.Default(IncidentPolicySchema, structuredClone(input ?? {}));
  const errors = [...Value.Errors(IncidentPolicySchema, v)].map((e) => `${e.path || '/'}: ${e.message}`);
  if (errors.length) throw new IncidentError('INCIDENT_POLICY_INVALID', `invalid incident policy: ${errors.join('; ')}`);
  return v as IncidentPolicy;
}

export const DEFAULT_INCIDENT_POLICY: IncidentPolicy = loadIncidentPolicy({});

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

export interface IncidentGroup {
  /** Stable identity of the incident this group belongs to (one open incident per key). */
  key: string;
  severity: IncidentSeverity;
  scope: { type: 'fleet' | 'region' | 'node' | 'operator'; id: string };
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
  for (const a of list) {
    if (a.subject.type === 'operator') {
      push(operatorAlerts, a.subject.id, a);
    } else if (byId.has(a.subject.id)) {
      push(nodeAlerts, a.subject.id, a);
    }
  }
  const down = new Set([...nodeAlerts].filter(([, as]) => as.some((a) => a.incidentClass === 'down')).map(([id]) => id));
  const groups: IncidentGroup[] = [];
  const absorbed = new Set<string>();

  const big = (key: string, severity: IncidentSeverity, scope: IncidentGroup['scope'], ids: string[], what: string) => {
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
  for (const [opId, as] of [...operatorAlerts].sort(([a], [b]) => a.localeCompare(b))) {
    groups.push({
      key: `operator:${opId}:P3`,
      severity: 'P3',
      scope: { type: 'operator', id: opId },
      nodeIds: [],
      operatorIds: [opId],
      regions: [],
      alertKeys: uniqSorted(as.map((a) => a.key)),
      flapping: as.some((a) => a.flapping),
      summary: as.map((a) => a.summary).join('; '),
    });
  }
  return groups;
}

// ---------------------------------------------------------------------------------------------
// Incident records and their lifecycle

export interface Incident {
  id: string;
  key: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  summary: string;
  nodeIds: string[];
  operatorIds: string[];
  regions: string[];
  alertKeys: string[];
  flapping: boolean;
  openedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  /** `auto` when the condition cleared, otherwise who resolved it by hand. */
  resolvedBy: string | null;
  cause: string | null;
  resolution: string | null;
  /** Key of the P0/P1 incident that absorbed this one (it was resolved by absorption). */
  absorbedInto: string | null;
  escalatedAt: number | null;
  respondMissedAt: number | null;
  resolveMissedAt: number | null;
  postmortemRequired: boolean;
  postmortemDueAt: number | null;
}

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
    const added = g.nodeIds.filter((n) => !inc.nodeIds.includes(n));
    const removed = inc.nodeIds.filter((n) => !g.nodeIds.includes(n));
    const alertsChanged = g.alertKeys.join('\n') !== inc.alertKeys.join('\n') || g.flapping !== inc.flapping;
    if (added.length || removed.length || alertsChanged)
      actions.push({ type: 'update', incidentId: inc.id, group: g, addedNodes: added, removedNodes: removed });
  }
  return actions;
}

export function openIncident(id: string, group: IncidentGroup, now: number, policy: IncidentPolicy = DEFAULT_INCIDENT_POLICY): Incident {
  return {
    id,
    key: group.key,
    severity: group.severity,
    status: 'open',
    summary: group.summary,
    nodeIds: group.nodeIds,
    operatorIds: group.operatorIds,
    regions: group.regions,
    alertKeys: group.alertKeys,
    flapping: group.flapping,
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
  return {
    ...inc,
    summary: group.summary,
    nodeIds: group.nodeIds,
    operatorIds: group.operatorIds,
    regions: group.regions,
    alertKeys: group.alertKeys,
    flapping: group.flapping,
  };
}

function resolved(inc: Incident, now: number, by: string, policy: IncidentPolicy, extra: Partial<Incident>): Incident {
  if (inc.status === 'resolved') throw new IncidentError('INCIDENT_RESOLVED', `incident ${inc.id} is already resolved`);
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
    throw new IncidentError('INCIDENT_NOTES_REQUIRED', 'resolving by hand needs a cause and a resolution');
  return resolved(inc, now, notes.by, policy, { cause: notes.cause.trim(), resolution: notes.resolution.trim() });
}

/** Acknowledge. Acknowledging twice is a no-op (`changed: false`); a resolved incident cannot be. */
export function acknowledge(inc: Incident, by: string, now: number): { incident: Incident; changed: boolean } {
  if (inc.status === 'resolved') throw new IncidentError('INCIDENT_RESOLVED', `incident ${inc.id} is already resolved`);
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

// ---------------------------------------------------------------------------------------------
// MTTA / MTTR

export interface IncidentStat {
  count: number;
  acknowledged: number;
  resolved: number;
  /** Mean time to acknowledge (ms) over acknowledged incidents; null when none. */
  mttaMs: number | null;
  /** Mean time to resolve (ms) over resolved incidents; null when none. */
  mttrMs: number | null;
  respondMissed: number;
  resolveMissed: number;
}

export interface IncidentStats {
  fleet: IncidentStat;
  bySeverity: Record<IncidentSeverity, IncidentStat>;
  byOperator: Record<string, IncidentStat>;
}

function stat(list: Incident[]): IncidentStat {
  const acked = list.filter((i) => i.acknowledgedAt !== null);
  const res = list.filter((i) => i.resolvedAt !== null);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  return {
    count: list.length,
    acknowledged: acked.length,
    resolved: res.length,
    mttaMs: mean(acked.map((i) => i.acknowledgedAt! - i.openedAt)),
    mttrMs: mean(res.map((i) => i.resolvedAt! - i.openedAt)),
    respondMissed: list.filter((i) => i.respondMissedAt !== null).length,
    resolveMissed: list.filter((i) => i.resolveMissedAt !== null).length,
  };
}

/**
 * MTTA/MTTR per severity, per operator and for the fleet, over incidents opened in [from, to).
 * Incidents absorbed into a P0/P1 are not counted (the absorbing incident carries their time).
 */
export function incidentStats(incidents: Incident[], range: { from: number; to: number }): IncidentStats {
  const inRange = incidents.filter((i) => i.openedAt >= range.from && i.openedAt < range.to && !i.absorbedInto);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, stat(inRange.filter((i) => i.severity === s))])) as Record<
    IncidentSeverity,
    IncidentStat
  >;
  const ops = uniqSorted(inRange.flatMap((i) => i.operatorIds));
  const byOperator = Object.fromEntries(ops.map((op) => [op, stat(inRange.filter((i) => i.operatorIds.includes(op)))]));
  return { fleet: stat(inRange), bySeverity, byOperator };
}
