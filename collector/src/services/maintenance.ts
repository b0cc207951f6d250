/**
 * Maintenance in force at `now` (recurring windows expanded, cancellations honoured): what the alert
 * engine silences, and what the API and /metrics show as a node's current state.
 */
import type postgres from 'postgres';
import { covers, expandWindow, maintenanceAt, type MaintenanceSpan, type NodeScope } from '../sla/maintenance.ts';
import { loadMaintenance } from './uptime.ts';

/** Loads the windows once; the lookup gives the occurrence covering a node at `now`, or null. */
export async function maintenanceNow(sql: postgres.Sql, now: number): Promise<(node: NodeScope) => MaintenanceSpan | null> {
  const defs = await loadMaintenance(sql, now, now + 1);
  return (node) => (defs.length ? maintenanceAt(defs, node, now) : null);
}

/** Which nodes and operators are inside a window at `now`, by name (the alerting core keys them by name). */
export async function activeMaintenance(sql: postgres.Sql, now: number): Promise<{ nodes: Set<string>; operators: Set<string> }> {
  const nodes = new Set<string>();
  const operators = new Set<string>();
  const active = (await loadMaintenance(sql, now, now + 1)).filter((d) => expandWindow(d, now, now + 1).length > 0);
  if (active.length === 0) return { nodes, operators };
  const rows = await sql`
    select n.id::int8 as id, n.name, n.operator_id::int8 as operator_id, n.region, o.name as operator
    from nodes n left join operators o on o.id = n.operator_id where n.decommissioned_at is null`;
  for (const r of rows) {
    const node = {
      id: Number(r.id),
      operatorId: r.operator_id === null ? null : Number(r.operator_id),
      region: (r.region as string | null) ?? null,
    };
    const hit = active.filter((d) => covers(d, node));
    if (hit.length) nodes.add(r.name as string);
    if (r.operator && hit.some((d) => d.scope === 'operator' || d.scope === 'fleet')) operators.add(r.operator as string);
  }
  return { nodes, operators };
}
