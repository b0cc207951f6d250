/** Evidence → the figures a statement shows: per node and for the operator as a whole. Pure. */
import type { NodeEvidence, OwnedSpan } from './evidence.ts';
import { decimalString, percentString } from './money.ts';
import type { NodeFigures, StateSeconds, UptimeFigures } from './statement.ts';

/**
 * The time an uptime ratio is out of: UP + DOWN. UNKNOWN and MAINTENANCE never count against an
 * operator. Every ratio, threshold and deduction of the pay engine divides by this.
 */
export const observedSeconds = (s: { upSeconds: number; downSeconds: number }): number => s.upSeconds + s.downSeconds;

/** Uptime ratio = UP / (UP + DOWN) as text, truncated to 4 decimals; null when nothing was observed. */
export function uptimePct(s: { upSeconds: number; downSeconds: number }): string | null {
  const observed = observedSeconds(s);
  return observed === 0 ? null : percentString(s.upSeconds, observed);
}

/** A span's end: its own, or (still owned) the earlier of the month's end and the end of the last active day. */
export const spanEnd = (span: Pick<OwnedSpan, 'to'>, openEnd: number): number => span.to ?? openEnd;

export function sumStates(items: StateSeconds[]): StateSeconds {
  const total = { upSeconds: 0, downSeconds: 0, unknownSeconds: 0, maintenanceSeconds: 0 };
  for (const s of items) {
    total.upSeconds += s.upSeconds;
    total.downSeconds += s.downSeconds;
    total.unknownSeconds += s.unknownSeconds;
    total.maintenanceSeconds += s.maintenanceSeconds;
  }
  return total;
}

export function nodeFigures(node: NodeEvidence, openEnd: number): NodeFigures {
  const owned = node.spans.map((s) => ({ from: s.from, to: spanEnd(s, openEnd) }));
  const ownedSeconds = owned.reduce((sum, r) => sum + (r.to - r.from) / 1000, 0);
  const states = sumStates(node.spans);
  return {
    nodeId: node.nodeId,
    owned,
    ownedSeconds,
    ownedDays: decimalString(BigInt(ownedSeconds), 86_400n, 2),
    ...states,
    uptimePct: uptimePct(states),
    ...(node.intervalsRef === undefined ? {} : { intervalsRef: node.intervalsRef }),
  };
}

export function operatorUptime(nodes: NodeFigures[]): UptimeFigures {
  const states = sumStates(nodes);
  return { ...states, uptimePct: uptimePct(states) };
}
