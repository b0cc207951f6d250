/**
 * MTTA / MTTR per severity, per operator and for the fleet. Pure: a function of incident records.
 */
import { SEVERITIES, type Severity } from '@timmy/shared';
import type { Incident } from './incidents.ts';

const uniqSorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

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
  bySeverity: Record<Severity, IncidentStat>;
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
    Severity,
    IncidentStat
  >;
  const ops = uniqSorted(inRange.flatMap((i) => i.operatorIds));
  const byOperator = Object.fromEntries(ops.map((op) => [op, stat(inRange.filter((i) => i.operatorIds.includes(op)))]));
  return { fleet: stat(inRange), bySeverity, byOperator };
}
