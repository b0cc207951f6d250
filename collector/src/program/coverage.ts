/**
 * Region coverage: a region needs at least `required` active operators (two by default) so one
 * operator's absence never leaves it unserved. Below that the region is "coverage at risk".
 */
import { SERVING_STATES, type LifecycleState } from './lifecycle.ts';

export interface OperatorInRegion {
  operatorId: string;
  state: LifecycleState;
  region: string;
}

export interface RegionCoverage {
  region: string;
  /** Distinct operators in a counted state. */
  active: number;
  required: number;
  atRisk: boolean;
}

export interface CoverageRules {
  /** Active operators a region needs. */
  required: number;
  /** The states that count as active (default: the serving states, probation through fleet lead). */
  countedStates: readonly LifecycleState[];
  /** Regions the fleet serves even with nobody in them (they show 0, at risk). */
  regions: readonly string[];
}
export const DEFAULT_COVERAGE_RULES: CoverageRules = { required: 2, countedStates: SERVING_STATES, regions: [] };

/** Coverage of every region named by an operator or by `rules.regions`, sorted by region. */
export function regionCoverage(operators: readonly OperatorInRegion[], rules: Partial<CoverageRules> = {}): RegionCoverage[] {
  const { required, countedStates, regions } = { ...DEFAULT_COVERAGE_RULES, ...rules };
  const active = new Map<string, Set<string>>(regions.map((r) => [r, new Set()]));
  for (const op of operators) {
    const set = active.get(op.region) ?? new Set<string>();
    if (countedStates.includes(op.state)) set.add(op.operatorId);
    active.set(op.region, set);
  }
  return [...active.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([region, ops]) => ({ region, active: ops.size, required, atRisk: ops.size < required }));
}

/** Just the regions at risk (what the metric, the API and the P3 alert report). */
export const regionsAtRisk = (operators: readonly OperatorInRegion[], rules: Partial<CoverageRules> = {}): RegionCoverage[] =>
  regionCoverage(operators, rules).filter((r) => r.atRisk);
