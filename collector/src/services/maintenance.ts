/**
 * Maintenance windows: declaring one (target resolved, declaration checked) and the maintenance in
 * force at `now` (recurring windows expanded, cancellations honoured): what the alert engine silences,
 * and what the API and /metrics show as a node's current state.
 */
import type postgres from 'postgres';
import { Errors } from '../errors.ts';
import {
  type CoverageNow,
  coverageNow,
  covers,
  expandWindow,
  maintenanceAt,
  validateDeclaration,
  type DeclarationProblem,
  type MaintenanceSpan,
  type NodeScope,
} from '../sla/maintenance.ts';
import { insertWindow, loadMaintenance, type NewWindow, type StoredWindow } from '../stores/maintenance.ts';
import { listSlaNodes, resolveNode } from '../stores/nodes.ts';
import { resolveOperator } from '../stores/operators.ts';

export const PROBLEM_TEXT: Record<DeclarationProblem, string> = {
  in_past: 'maintenance is declared ahead: start must not be in the past',
  empty: 'end must be after start',
  longer_than_period: 'a recurring window must be shorter than its period',
  until_before_start: 'until must be after start',
  target_required: 'this scope needs its node, operator or region',
  target_forbidden: 'a fleet window names no node, operator or region',
};

/** A declaration as asked: the scope's target named by node or operator (id or name) or region. */
export type Declaration = Omit<NewWindow, 'target' | 'createdAt'> & { node?: string; operator?: string; region?: string };

/** The window's target as stored: a node or operator id (as text), a region name, or null for the fleet. */
async function resolveTarget(sql: postgres.ISql, b: Declaration): Promise<string | null> {
  const given = [b.node, b.operator, b.region].filter((x) => x !== undefined);
  const wanted = b.scope === 'fleet' ? 0 : 1;
  if (given.length !== wanted || (b.scope !== 'fleet' && b[b.scope] === undefined))
    throw new Errors.BadRequest(
      b.scope === 'fleet' ? PROBLEM_TEXT.target_forbidden : `scope ${b.scope} needs "${b.scope}" (and nothing else)`,
    );
  if (b.scope === 'node') return String((await resolveNode(sql, b.node!)).id);
  if (b.scope === 'operator') return String((await resolveOperator(sql, b.operator!)).id);
  return b.region ?? null;
}

/** Declares a window at `now`: refused when in the past (FLEET_MAINTENANCE_IN_PAST) or malformed. */
export async function declareMaintenance(sql: postgres.ISql, b: Declaration, now: number): Promise<StoredWindow> {
  const w: NewWindow = { ...b, target: await resolveTarget(sql, b), createdAt: now };
  const problems = validateDeclaration(w, now);
  if (problems.includes('in_past')) throw new Errors.MaintenanceInPast(PROBLEM_TEXT.in_past);
  if (problems.length) throw new Errors.BadRequest(problems.map((p) => PROBLEM_TEXT[p]).join('; '));
  return insertWindow(sql, w);
}

/** Loads the windows once; the lookup gives the occurrence covering a node at `now`, or null. */
export async function maintenanceNow(sql: postgres.ISql, now: number): Promise<(node: NodeScope) => MaintenanceSpan | null> {
  return (await maintenanceInForce(sql, now)).at;
}

/** The windows in force at `now`, read once: the occurrence covering a node (or null), and what they cover (a list's filter). */
export async function maintenanceInForce(
  sql: postgres.ISql,
  now: number,
): Promise<{ at: (node: NodeScope) => MaintenanceSpan | null; coverage: CoverageNow }> {
  const defs = await loadMaintenance(sql, now, now + 1);
  return { at: (node) => (defs.length ? maintenanceAt(defs, node, now) : null), coverage: coverageNow(defs, now) };
}

/** Which nodes and operators are inside a window at `now`, by name (the alerting core keys them by name). */
export async function activeMaintenance(sql: postgres.ISql, now: number): Promise<{ nodes: Set<string>; operators: Set<string> }> {
  const nodes = new Set<string>();
  const operators = new Set<string>();
  const active = (await loadMaintenance(sql, now, now + 1)).filter((d) => expandWindow(d, now, now + 1).length > 0);
  if (active.length === 0) return { nodes, operators };
  for (const n of await listSlaNodes(sql)) {
    const hit = active.filter((d) => covers(d, n));
    if (hit.length) nodes.add(n.name);
    if (n.operator && hit.some((d) => d.scope === 'operator' || d.scope === 'fleet')) operators.add(n.operator);
  }
  return { nodes, operators };
}
