/**
 * What the collector knows right now, as the alerting core's `FleetState` (alerts/types.ts): nodes
 * with their newest heartbeat, check statuses, disk, clock skew, credential expiry and maintenance.
 *
 * Node ids in alerting are node *names* (unique, readable in notifications); operators are names
 * too (`unassigned` when none), regions `none` when a node has none.
 *
 * `observingSince` comes from the caller: when this collector and its database have observed
 * without a break (ObservationRecorder.continuousSince). When that is null the cycle must not run:
 * the monitoring itself is not observing, and nothing it cannot see may page anyone.
 */
import type postgres from 'postgres';
import type { FleetState, NodeState, OperatorProjection } from './types.ts';
import { alertCheckRows, alertDiskRows, alertNodeRows } from './fleet-state-store.ts';
import { operatorOutlooks, type OperatorOutlook } from '../services/sla.ts';
import type { Thresholds } from '../sla/budget.ts';
import type { FleetInterest } from './rules/rule.ts';
import { activeMaintenance } from '../services/maintenance.ts';
import { operatorsInRegions } from '../stores/lifecycle.ts';

export { NO_REGION, UNASSIGNED_OPERATOR } from './fleet-state-store.ts';

/** Which nodes and operators are inside a declared maintenance window at `now` (they are silenced). */
export interface MaintenanceSource {
  active(now: number): Promise<{ nodes: Set<string>; operators: Set<string> }>;
}

export const noMaintenance: MaintenanceSource = { active: async () => ({ nodes: new Set(), operators: new Set() }) };

/**
 * Maintenance read from the `maintenance_windows` table (collector/src/db/schema/maintenance.ts):
 * one-off and recurring windows per node / operator / region / fleet, expanded at `now` by the pure
 * SLA core (services/maintenance.ts). A failing read silences nothing rather than stop alerting.
 */
export function maintenanceFromTable(sql: postgres.Sql): MaintenanceSource {
  return {
    async active(now) {
      try {
        return await activeMaintenance(sql, now);
      } catch {
        return { nodes: new Set(), operators: new Set() };
      }
    },
  };
}

/** Operators' month-end projections (the sla_at_risk rule's input). */
export interface OutlookSource {
  current(now: number): Promise<OperatorOutlook[]>;
}

export const noOutlooks: OutlookSource = { current: async () => [] };

/**
 * Projections from the SLA figures (services/sla.ts), recomputed at most every `maxAgeMs`: they move
 * slowly and cost a few aggregate queries per operator. A failing read gives no projections (the rule
 * stays quiet) rather than stopping the cycle.
 */
export function outlooksFromSla(sql: postgres.Sql, thresholds: Thresholds, maxAgeMs = 60_000): OutlookSource {
  let cached: { at: number; value: OperatorOutlook[] } | null = null;
  return {
    async current(now) {
      if (cached && now - cached.at < maxAgeMs && now >= cached.at) return cached.value;
      try {
        cached = { at: now, value: await operatorOutlooks(sql, thresholds, now) };
      } catch {
        cached = null;
        return [];
      }
      return cached.value;
    },
  };
}

/** Every check and every disk figure: what a caller without rules at hand gets. */
export const ALL_CHECKS: FleetInterest = { checkStatuses: ['critical', 'ok', 'unknown', 'warn'], diskMinPct: 0, regions: true };

/**
 * Reads the fleet's current state in three queries: every node (with its credential's expiry), the
 * checks in a status some rule fires on, and each node's disk figure where it reaches the lowest disk
 * threshold (`interest`, from the rules: rules.ts fleetInterest); plus, when a region rule is enabled,
 * the operators' regions and states (region coverage's input, the query the program service uses). The
 * queries are fleet-state-store.ts's.
 */
export async function loadFleetState(
  sql: postgres.Sql,
  now: number,
  observingSince: number,
  maintenance: MaintenanceSource = noMaintenance,
  outlooks: OutlookSource = noOutlooks,
  interest: FleetInterest = ALL_CHECKS,
): Promise<FleetState> {
  const [nodeRows, checkRows, diskRows, maint, outlook, regionOperators] = await Promise.all([
    alertNodeRows(sql),
    interest.checkStatuses.length ? alertCheckRows(sql, interest.checkStatuses) : [],
    interest.diskMinPct !== null ? alertDiskRows(sql, interest.diskMinPct) : [],
    maintenance.active(now),
    outlooks.current(now),
    interest.regions ? operatorsInRegions(sql) : undefined,
  ]);
  const byId = new Map<number, NodeState>();
  const nodes: NodeState[] = [];
  for (const r of nodeRows) {
    const n: NodeState = {
      id: r.name,
      operatorId: r.operator,
      region: r.region,
      lastHeartbeatAt: r.last_hb,
      registeredAt: r.created ?? undefined,
      checks: {},
      diskUsedPct: null,
      clockSkewMs: r.clock_skew_ms,
      credentialExpiresAt: r.credential_expires,
      inMaintenance: maint.nodes.has(r.name) || maint.operators.has(r.operator),
    };
    byId.set(r.id, n);
    nodes.push(n);
  }
  for (const c of checkRows) {
    const n = byId.get(c.node_id);
    if (n) n.checks[c.name] = { status: c.status, since: c.since, probe: c.probe, slaCritical: c.sla_critical, message: c.message };
  }
  for (const d of diskRows) {
    const n = byId.get(d.node_id);
    if (n) n.diskUsedPct = d.used;
  }
  const operators: OperatorProjection[] = outlook.map((o) => ({
    id: o.name,
    ...(o.tier ? { tier: o.tier } : {}),
    slaTarget: o.slaTarget,
    projectedRatio: o.projectedRatio,
    inMaintenance: maint.operators.has(o.name),
  }));
  return { observingSince, nodes, operators, ...(regionOperators ? { regionOperators } : {}) };
}
