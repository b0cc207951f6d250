/**
 * Which nodes and operators are inside a declared maintenance window at `now` (recurring windows
 * expanded, cancellations honoured): what the alert engine silences. Names, as the alerting core keys
 * nodes and operators by name.
 */
import type postgres from 'postgres';
import { covers, expandWindow } from '../sla/maintenance.ts';
import { loadMaintenance } from './uptime.ts';

export async function activeMaintenance(sql: postgres.Sql, now: number): Promise<{ nodes: Set<string>; operators: Set<string> }> {
  const nodes = new Set<string>();
  const operators = new Set<string>();
  const active = (await loadMaintenance(sql, now, now + 1)).filter((d) => expandWindow(d, now, now + 1).length > 0);
  if (active.length === 0) return { nodes, operators };
  const rows = await sql`
    select n.id::int8 as id, n.name, n.operator_id::int8 as operator_id, n.region, o.name as operator
    from nodes n left join operators o on o.id = n.operator_id where n.decommissioned_at is null`;
  for (const r of rows) {
    const node = { id: Number(r.id), operatorId: r.operator_id === null ? null : Number(r.operator_id), region: (r.region as string | null) ?? null };
    const hit = active.filter((d) => covers(d, node));
    if (hit.length) nodes.add(r.name as string);
    if (r.operator && hit.some((d) => d.scope === 'operator' || d.scope === 'fleet')) operators.add(r.operator as string);
  }
  return { nodes, operators };
}
