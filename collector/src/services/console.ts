/**
 * The console's node, operator and fleet pages' data, from the stores and the SLA services: what no
 * other route gives in one read (checks, credential expiry, per-minute series, nodes by state, the
 * month's fleet budget, incident counts, the outbox's health).
 */
import type postgres from 'postgres';
import type { ConsoleNode, FleetOverview, NodeOverview, NodeSeries, OperatorMaintenance, OperatorNodes, StateCounts } from '@timmy/shared';
import type { OutboxCounts } from '../alerts/outbox.ts';
import { listIncidents } from '../alerts/incident-store.ts';
import { monthOf, thresholdFor, type Thresholds } from '../sla/budget.ts';
import { covers, expandWindow, maintenanceAt, stateNow } from '../sla/maintenance.ts';
import { loadMaintenance } from '../stores/maintenance.ts';
import { credentialInForce, minuteSeries, nodeChecks } from '../stores/node-page.ts';
import { countState, listNodes, listSlaNodes, zeroCounts, type NodeRecord } from '../stores/nodes.ts';
import type { OperatorRecord } from '../stores/operators.ts';
import { groupSla } from './sla.ts';

const iso = (t: number) => new Date(t).toISOString();
const isoOrNull = (t: number | null) => (t === null ? null : iso(t));
const DAY = 86_400_000;

type MaintenanceDefs = Awaited<ReturnType<typeof loadMaintenance>>;
const currentState = (n: NodeRecord, defs: MaintenanceDefs, now: number) =>
  stateNow({ state: n.currentState, since: n.stateSince }, maintenanceAt(defs, n, now)) as {
    state: ConsoleNode['state'];
    since: number | null;
  };

/** A node's fields the node and operator pages share (NodeNow in the wire), its state `s` as currentState gives it. */
const nodeNow = (n: NodeRecord, s: ReturnType<typeof currentState>) => ({
  region: n.region,
  state: s.state,
  stateSince: isoOrNull(s.since),
  lastHeartbeatAt: isoOrNull(n.lastHbAt),
  failing: n.failing,
  agentVersion: n.agentVersion,
});

/** The node page's facts: state now, checks, the credential in force (times only), agent version, clock skew, maintenance now. */
export async function nodeOverview(sql: postgres.ISql, node: NodeRecord, rotateBeforeMs: number, now: number): Promise<NodeOverview> {
  const [checks, cred, defs] = await Promise.all([
    nodeChecks(sql, node.id),
    credentialInForce(sql, node.id, now),
    loadMaintenance(sql, now, now + 1),
  ]);
  const m = maintenanceAt(defs, node, now);
  const s = currentState(node, defs, now);
  return {
    id: node.id,
    name: node.name,
    operator: node.operator,
    tier: node.tier,
    ...nodeNow(node, s),
    clockSkewMs: node.clockSkewMs,
    createdAt: iso(node.createdAt),
    decommissionedAt: isoOrNull(node.decommissionedAt),
    checks: checks.map((c) => ({ ...c, since: iso(c.since), updatedAt: iso(c.updatedAt) })),
    credential: cred && {
      expiresAt: iso(cred.expiresAt),
      rotateAfter: iso(cred.expiresAt - rotateBeforeMs),
      lastUsedAt: isoOrNull(cred.lastUsedAt),
      expiresInDays: Math.round(((cred.expiresAt - now) / DAY) * 10) / 10,
    },
    maintenance: m && { start: iso(m.start), end: iso(m.end), reason: m.evidence.reason },
  };
}

/** Per-minute series over [from, to), columnar (uPlot's shape). */
export async function nodeSeries(sql: postgres.ISql, node: NodeRecord, from: number, to: number): Promise<NodeSeries> {
  const points = await minuteSeries(sql, node.id, from, to);
  return {
    node: node.name,
    from: iso(from),
    to: iso(to),
    stepSeconds: 60,
    t: points.map((p) => p.t),
    diskPctMax: points.map((p) => p.diskPctMax),
    load1Avg: points.map((p) => p.load1Avg),
    memPctAvg: points.map((p) => p.memPctAvg),
    agentRssKib: points.map((p) => p.agentRssKib),
    agentCpuPct: points.map((p) => p.agentCpuPct),
  };
}

/** An operator's nodes in service with their state now (maintenance applied). */
export async function operatorNodes(sql: postgres.ISql, thresholds: Thresholds, op: OperatorRecord, now: number): Promise<OperatorNodes> {
  const [all, defs] = await Promise.all([listNodes(sql, { operatorId: op.id }), loadMaintenance(sql, now, now + 1)]);
  const nodes = all.filter((n) => n.decommissionedAt === null || n.decommissionedAt > now);
  const states = zeroCounts();
  const rows: ConsoleNode[] = nodes.map((n) => {
    const s = currentState(n, defs, now);
    countState(states, s.state);
    return { id: n.id, name: n.name, ...nodeNow(n, s) };
  });
  return { operator: op.name, tier: op.tier, thresholdPct: thresholdFor('operator', op.tier, thresholds), states, nodes: rows };
}

/** An operator's incidents: under way, and opened in the last 90 days, newest first. */
export async function operatorIncidents(sql: postgres.Sql, op: OperatorRecord, now: number) {
  const [open, recent] = await Promise.all([
    listIncidents(sql, { operator: op.name, status: 'unresolved', limit: 200 }),
    listIncidents(sql, { operator: op.name, from: now - 90 * DAY, limit: 200 }),
  ]);
  const seen = new Set(open.map((i) => i.id));
  return [...open, ...recent.filter((i) => !seen.has(i.id))].sort((a, b) => b.openedAt - a.openedAt);
}

/** Maintenance windows covering an operator's nodes, with their occurrences from 30 days back to 90 ahead. */
export async function operatorMaintenance(sql: postgres.ISql, op: OperatorRecord, now: number): Promise<OperatorMaintenance> {
  const from = now - 30 * DAY;
  const to = now + 90 * DAY;
  const [defs, nodes] = await Promise.all([loadMaintenance(sql, from, to), listSlaNodes(sql, { operatorId: op.id })]);
  const windows: OperatorMaintenance['windows'] = [];
  for (const d of defs) {
    const covered = nodes.filter((n) => covers(d, n)).map((n) => n.name);
    if (covered.length === 0) continue;
    windows.push({
      id: d.id,
      scope: d.scope,
      region: d.scope === 'region' ? d.target : null,
      nodes: covered,
      recurrence: d.recurrence,
      declaredBy: d.declaredBy,
      reason: d.reason,
      cancelledAt: isoOrNull(d.cancelledAt),
      occurrences: expandWindow(d, from, to)
        .slice(0, 20)
        .map((o) => ({ start: iso(o.start), end: iso(o.end), current: o.start <= now && now < o.end })),
    });
  }
  return { operator: op.name, windows };
}

/** The fleet page's figures at `now`. */
export async function fleetOverview(
  sql: postgres.Sql,
  thresholds: Thresholds,
  outbox: (now: number) => Promise<OutboxCounts>,
  now: number,
): Promise<FleetOverview> {
  const month = monthOf(now);
  const [nodes, defs, incidents, box] = await Promise.all([
    listSlaNodes(sql, { inServiceAfter: month.start }),
    loadMaintenance(sql, now, now + 1),
    listIncidents(sql, { status: 'unresolved', limit: 1000 }),
    outbox(now),
  ]);
  const live = nodes.filter((n) => !n.decommissionedAt || n.decommissionedAt > now);
  const states = zeroCounts();
  const byRegion = new Map<string | null, { nodeCount: number; states: StateCounts }>();
  for (const n of live) {
    const s = stateNow({ state: n.currentState, since: null }, maintenanceAt(defs, n, now)).state;
    countState(states, s);
    const r = byRegion.get(n.region) ?? byRegion.set(n.region, { nodeCount: 0, states: zeroCounts() }).get(n.region)!;
    r.nodeCount++;
    countState(r.states, s);
  }
  const g = await groupSla(sql, thresholds, 'fleet', null, nodes, null, { from: month.start, to: month.end, month }, now, {
    perNode: false,
  });
  const b = g.figures.budget;
  const open = incidents.filter((i) => i.absorbedInto === null);
  const bySeverity: Record<string, number> = {};
  for (const i of open) bySeverity[i.severity] = (bySeverity[i.severity] ?? 0) + 1;
  return {
    at: iso(now),
    nodeCount: live.length,
    states,
    regions: [...byRegion.entries()]
      .map(([region, r]) => ({ region, ...r }))
      .sort((a, b) => (a.region ?? '\uffff').localeCompare(b.region ?? '\uffff')),
    sla: {
      month: month.name,
      ratio: g.figures.ratio,
      thresholdPct: g.figures.thresholdPct,
      meetsThreshold: g.figures.ratio === null ? null : g.figures.ratio * 100 >= g.figures.thresholdPct,
      budget: {
        allowedDownSeconds: b.allowedDownMs / 1000,
        usedDownSeconds: b.usedDownMs / 1000,
        leftSeconds: b.leftMs / 1000,
        final: b.final,
      },
      projection: { ratio: b.projection.ratio, downSeconds: b.projection.downMs / 1000, meetsThreshold: b.projection.meetsThreshold },
    },
    incidents: {
      open: open.filter((i) => i.status === 'open').length,
      acknowledged: open.filter((i) => i.status === 'acknowledged').length,
      bySeverity,
    },
    outbox: {
      pending: box.pending,
      sending: box.sending,
      sent: box.sent,
      skipped: box.skipped,
      dead: box.dead,
      oldestPendingAgeSeconds: box.oldestPendingAgeMs / 1000,
    },
  };
}
