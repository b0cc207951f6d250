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
import type { CheckStatus, FleetState, NodeState, OperatorProjection } from './types.ts';
import { operatorOutlooks, type OperatorOutlook } from '../services/sla.ts';
import type { Thresholds } from '../sla/budget.ts';
import { activeMaintenance } from '../services/maintenance.ts';

export const UNASSIGNED_OPERATOR = 'unassigned';
export const NO_REGION = 'none';

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

const ms = (d: unknown): number | null => (d === null || d === undefined ? null : d instanceof Date ? d.getTime() : new Date(String(d)).getTime());

/** Reads the fleet's current state in three queries (nodes, check statuses, credentials). */
export async function loadFleetState(
  sql: postgres.Sql,
  now: number,
  observingSince: number,
  maintenance: MaintenanceSource = noMaintenance,
  outlooks: OutlookSource = noOutlooks,
): Promise<FleetState> {
  const [nodeRows, checkRows, maint, outlook] = await Promise.all([
    sql`
      select n.id::int8 as id, n.name, coalesce(o.name, ${UNASSIGNED_OPERATOR}) as operator, coalesce(n.region, ${NO_REGION}) as region,
             n.last_hb_at, n.created_at, n.clock_skew_ms,
             (select max(c.expires_at) from node_credentials c
               where c.node_id = n.id and c.revoked_at is null and c.valid_until is null) as credential_expires_at
        from nodes n left join operators o on o.id = n.operator_id
       where n.decommissioned_at is null`,
    sql`select node_id::int8 as node_id, name, probe, status, message, sla_critical, value, since from node_check_status`,
    maintenance.active(now),
    outlooks.current(now),
  ]);
  const byId = new Map<number, NodeState>();
  const nodes: NodeState[] = [];
  for (const r of nodeRows) {
    const n: NodeState = {
      id: String(r.name),
      operatorId: String(r.operator),
      region: String(r.region),
      lastHeartbeatAt: ms(r.last_hb_at),
      registeredAt: ms(r.created_at) ?? undefined,
      checks: {},
      diskUsedPct: null,
      clockSkewMs: r.clock_skew_ms === null ? null : Number(r.clock_skew_ms),
      credentialExpiresAt: ms(r.credential_expires_at),
      inMaintenance: maint.nodes.has(String(r.name)) || maint.operators.has(String(r.operator)),
    };
    byId.set(Number(r.id), n);
    nodes.push(n);
  }
  for (const c of checkRows) {
    const n = byId.get(Number(c.node_id));
    if (!n) continue;
    const name = String(c.name);
    n.checks[name] = { status: c.status as CheckStatus, since: ms(c.since)!, probe: String(c.probe), slaCritical: Boolean(c.sla_critical), message: String(c.message) };
    // The root filesystem's used % is the disk probe's primary value.
    if (c.probe === 'disk' && c.value !== null && (name === 'disk:/' || n.diskUsedPct === null)) n.diskUsedPct = Number(c.value);
  }
  const operators: OperatorProjection[] = outlook.map((o) => ({ id: o.name, ...(o.tier ? { tier: o.tier } : {}), slaTarget: o.slaTarget, projectedRatio: o.projectedRatio, inMaintenance: maint.operators.has(o.name) }));
  return { observingSince, nodes, operators };
}
