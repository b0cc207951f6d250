/**
 * The live estimate for an open month: the evidence so far, projected to the month's end, through
 * the same `computeStatement` a closed month uses. Projection, per ownership span: the time still to
 * come (until the span's end, or the month's end / last active day for a node still owned; never more
 * than the span's time not yet accounted for by any state) is split
 * between UP and DOWN in the span's proportion so far (DOWN rounded down to whole seconds); a span
 * with nothing observed yet projects as UNKNOWN. Tasks and incidents are taken as they stand.
 * For a finished month (`now` at or after its end) nothing is projected: the estimate is the statement.
 * A partner's evidence is taken as it is: pass the referred operators' estimates as their statements.
 */
import { digestOf } from './canonical.ts';
import { activePeriod } from './check-evidence.ts';
import { computeStatement } from './engine.ts';
import type { Evidence, OwnedSpan } from './evidence.ts';
import { observedSeconds, spanEnd } from './figures.ts';
import { parseMonth } from './month.ts';
import type { PolicyVersion } from './policy.ts';
import type { Statement } from './statement.ts';

export interface Estimate {
  /** When the evidence was read (ms epoch). */
  asOf: number;
  /** True when the month was over at `asOf`: nothing was projected. */
  final: boolean;
  /** Digest of the evidence as read, before projection. */
  evidenceSoFarDigest: string;
  statement: Statement;
}

export function projectEvidence(evidence: Evidence, monthId: string, now: number): Evidence {
  if (evidence.subject !== 'operator') return evidence;
  const openEnd = activePeriod(parseMonth(monthId), evidence.operator).end;
  const project = (s: OwnedSpan): OwnedSpan => {
    const end = spanEnd(s, openEnd);
    const unaccounted = (end - s.from) / 1000 - s.upSeconds - s.downSeconds - s.unknownSeconds - s.maintenanceSeconds;
    const rest = Math.max(0, Math.min(unaccounted, Math.floor((end - Math.max(s.from, now)) / 1000)));
    if (rest === 0) return s;
    const observed = observedSeconds(s);
    if (observed === 0) return { ...s, unknownSeconds: s.unknownSeconds + rest };
    const down = Math.floor((rest * s.downSeconds) / observed);
    return { ...s, upSeconds: s.upSeconds + rest - down, downSeconds: s.downSeconds + down };
  };
  return { ...evidence, nodes: evidence.nodes.map((n) => ({ ...n, spans: n.spans.map(project) })) };
}

export function estimateStatement(version: PolicyVersion, evidenceSoFar: Evidence, monthId: string, now: number): Estimate {
  return {
    asOf: now,
    final: now >= parseMonth(monthId).end,
    evidenceSoFarDigest: digestOf(evidenceSoFar),
    statement: computeStatement(version, projectEvidence(evidenceSoFar, monthId, now), monthId),
  };
}
