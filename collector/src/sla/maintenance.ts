/**
 * Maintenance windows, pure: validating a declaration, expanding recurring windows into spans for a
 * range, and choosing the windows that cover a node. All times UTC milliseconds; ranges [start, end).
 * Recurrence is a fixed period (a day or a week) after the first occurrence: in UTC there is no DST,
 * so "weekly Sunday 02:00-04:00 UTC" is exactly every 7 × 24 h.
 */
import type { Span } from './types.ts';

export const MAINTENANCE_SCOPES = ['node', 'operator', 'region', 'fleet'] as const;
export type MaintenanceScope = (typeof MAINTENANCE_SCOPES)[number];
export const RECURRENCES = ['daily', 'weekly'] as const;
export type Recurrence = (typeof RECURRENCES)[number];

const DAY_MS = 86_400_000;
export const PERIOD_MS: Record<Recurrence, number> = { daily: DAY_MS, weekly: 7 * DAY_MS };

export interface MaintenanceDef {
  id: number;
  scope: MaintenanceScope;
  /** Node id, operator id (as text) or region name; null for the fleet. */
  target: string | null;
  start: number;
  end: number;
  recurrence: Recurrence | null;
  until: number | null;
  cancelledAt: number | null;
  declaredBy: string;
  reason: string;
}

export interface MaintenanceSpan extends Span {
  evidence: { windowId: number; scope: MaintenanceScope; target: string | null; declaredBy: string; reason: string };
}

export interface NodeScope {
  id: number;
  operatorId: number | null;
  region: string | null;
}

/** Stable problem codes for a declaration; the route turns the first into an error reply. */
export type DeclarationProblem = 'in_past' | 'empty' | 'longer_than_period' | 'until_before_start' | 'target_required' | 'target_forbidden';

/** Checks a new declaration at `now`. Windows are declared ahead: a window starting before `now` is refused. */
export function validateDeclaration(
  d: Pick<MaintenanceDef, 'scope' | 'target' | 'start' | 'end' | 'recurrence' | 'until'>,
  now: number,
): DeclarationProblem[] {
  const out: DeclarationProblem[] = [];
  if (d.start < now) out.push('in_past');
  if (!(d.end > d.start)) out.push('empty');
  if (d.recurrence && d.end - d.start >= PERIOD_MS[d.recurrence]) out.push('longer_than_period');
  if (d.until !== null && d.until <= d.start) out.push('until_before_start');
  if (d.scope === 'fleet' && d.target !== null) out.push('target_forbidden');
  if (d.scope !== 'fleet' && !d.target) out.push('target_required');
  return out;
}

/** Whether a window covers the node. */
export function covers(def: Pick<MaintenanceDef, 'scope' | 'target'>, node: NodeScope): boolean {
  switch (def.scope) {
    case 'fleet':
      return true;
    case 'node':
      return def.target === String(node.id);
    case 'operator':
      return node.operatorId !== null && def.target === String(node.operatorId);
    case 'region':
      return node.region !== null && def.target === node.region;
  }
}

/** The occurrences of one window overlapping [from, to), clipped to it (a cancellation ends them). */
export function expandWindow(def: MaintenanceDef, from: number, to: number): MaintenanceSpan[] {
  const evidence = { windowId: def.id, scope: def.scope, target: def.target, declaredBy: def.declaredBy, reason: def.reason };
  const stop = Math.min(to, def.cancelledAt ?? Infinity);
  const out: MaintenanceSpan[] = [];
  const push = (s: number, e: number) => {
    const start = Math.max(s, from);
    const end = Math.min(e, stop);
    if (end > start) out.push({ start, end, evidence });
  };
  if (!def.recurrence) {
    push(def.start, def.end);
    return out;
  }
  const period = PERIOD_MS[def.recurrence];
  const length = def.end - def.start;
  const lastStart = Math.min(def.until ?? Infinity, stop);
  // First occurrence that can still overlap `from`.
  let k = Math.max(0, Math.floor((from - length - def.start) / period));
  for (let s = def.start + k * period; s < lastStart && s < to; k++, s = def.start + k * period) push(s, s + length);
  return out;
}

/** Every occurrence of every window in `defs` overlapping [from, to), sorted by start. */
export function expandWindows(defs: readonly MaintenanceDef[], from: number, to: number): MaintenanceSpan[] {
  return defs.flatMap((d) => expandWindow(d, from, to)).sort((a, b) => a.start - b.start || a.end - b.end);
}

/** The spans that apply to one node. */
export function spansForNode(defs: readonly MaintenanceDef[], node: NodeScope, from: number, to: number): MaintenanceSpan[] {
  return expandWindows(
    defs.filter((d) => covers(d, node)),
    from,
    to,
  );
}

/**
 * The occurrence of a window covering the node at `now` (the earliest-starting one when several do),
 * or null. Its `start` is the occurrence's own start; its end may be clipped just after `now`.
 */
export function maintenanceAt(defs: readonly MaintenanceDef[], node: NodeScope, now: number): MaintenanceSpan | null {
  let best: MaintenanceSpan | null = null;
  for (const d of defs) {
    if (!covers(d, node)) continue;
    // An occurrence covering `now` started less than one window length before it.
    for (const s of expandWindow(d, now - (d.end - d.start), now + 1)) {
      if (s.start <= now && now < s.end && (!best || s.start < best.start)) best = s;
    }
  }
  return best;
}

/** What the windows in force at `now` cover, by scope (covers() over every node, as a database filter reads it). */
export interface CoverageNow {
  fleet: boolean;
  nodeIds: number[];
  operatorIds: number[];
  regions: string[];
}

/** The windows of `defs` with an occurrence covering `now`, by what they cover. */
export function coverageNow(defs: readonly MaintenanceDef[], now: number): CoverageNow {
  const c: CoverageNow = { fleet: false, nodeIds: [], operatorIds: [], regions: [] };
  for (const d of defs) {
    if (expandWindow(d, now, now + 1).length === 0) continue;
    if (d.scope === 'fleet') c.fleet = true;
    else if (d.scope === 'node') c.nodeIds.push(Number(d.target));
    else if (d.scope === 'operator') c.operatorIds.push(Number(d.target));
    else if (d.target !== null) c.regions.push(d.target);
  }
  return c;
}

/**
 * The state a node is in now, as every surface shows it (the API, `timmy_node_up`, `timmy_fleet_nodes`):
 * MAINTENANCE inside a declared window (it overrides the settled state, as in every figure), otherwise
 * the settled state; null (untracked) before the first heartbeat, maintenance or not.
 */
export function stateNow<S extends string>(
  settled: { state: S | null; since: number | null },
  maintenance: Span | null,
): { state: S | 'MAINTENANCE' | null; since: number | null } {
  if (settled.state === null || !maintenance) return settled;
  return { state: 'MAINTENANCE', since: maintenance.start };
}
