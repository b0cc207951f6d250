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
import type { CheckStatus, FleetState, NodeState } from './types.ts';

export const UNASSIGNED_OPERATOR = 'unassigned';
export const NO_REGION = 'none';

/**
 * Which nodes and operators are inside a declared maintenance window at `now`. The maintenance
 * windows (issue 4: one-off or recurring, per node / operator / region / fleet) plug in here; until
 * they do, nothing is silenced (`noMaintenance`).
 */
export interface MaintenanceSource {
  active(now: number): Promise<{ nodes: Set<string>; operators: Set<string> }>;
}

export const noMaintenance: MaintenanceSource = { active: async () => ({ nodes: new Set(), operators: new Set() }) };

/**
 * Maintenance read from a `maintenance_windows` table when one exists with the columns
 * (node_name | operator_name | region | scope='fleet', starts_at, ends_at). This is a seam: until
 * the table lands (collector/src/db/schema/maintenance.ts, issue 4) it silences nothing, and when it
 * does, replace the query below with the windows service (recurring windows expand there).
 */
export function maintenanceFromTable(sql: postgres.Sql): MaintenanceSource {
  let present: boolean | null = null;
  return {
    async active(now) {
      present ??= Boolean((await sql`select to_regclass('public.maintenance_windows') is not null as ok`)[0]?.ok);
      if (!present) return { nodes: new Set(), operators: new Set() };
      return maintenanceQuery(sql, now);
    },
  };
}

/** Placeholder until the maintenance schema is known: nodes covered by a window by node name. */
async function maintenanceQuery(sql: postgres.Sql, now: number): Promise<{ nodes: Set<string>; operators: Set<string> }> {
  try {
    const rows = await sql`select * from maintenance_windows where starts_at <= ${new Date(now)} and ends_at > ${new Date(now)}`;
    const nodes = new Set<string>();
    const operators = new Set<string>();
    for (const r of rows as Array<Record<string, unknown>>) {
      if (typeof r.node_name === 'string') nodes.add(r.node_name);
      if (typeof r.operator_name === 'string') operators.add(r.operator_name);
    }
    return { nodes, operators };
  } catch {
    // A schema this seam does not know yet: silence nothing rather than stop alerting.
    return { nodes: new Set(), operators: new Set() };
  }
}

const ms = (d: unknown): number | null => (d === null || d === undefined ? null : d instanceof Date ? d.getTime() : new Date(String(d)).getTime());

/** Reads the fleet's current state in three queries (nodes, check statuses, credentials). */
export async function loadFleetState(sql: postgres.Sql, now: number, observingSince: number, maintenance: MaintenanceSource = noMaintenance): Promise<FleetState> {
  const [nodeRows, checkRows, maint] = await Promise.all([
    sql`
      select n.id::int8 as id, n.name, coalesce(o.name, ${UNASSIGNED_OPERATOR}) as operator, coalesce(n.region, ${NO_REGION}) as region,
             n.last_hb_at, n.created_at, n.clock_skew_ms,
             (select max(c.expires_at) from node_credentials c
               where c.node_id = n.id and c.revoked_at is null and c.valid_until is null) as credential_expires_at
        from nodes n left join operators o on o.id = n.operator_id
       where n.decommissioned_at is null`,
    sql`select node_id::int8 as node_id, name, probe, status, message, sla_critical, value, since from node_check_status`,
    maintenance.active(now),
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
  // Operators' month-end projections (sla_at_risk) come with the SLA windows of issue 4.
  return { observingSince, nodes, operators: [] };
}
