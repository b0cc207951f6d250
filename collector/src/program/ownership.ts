/**
 * Node ownership: a node belongs to one operator at a time, from one dated transfer to the next. The
 * first transfer gives the node its first owner; a transfer to `null` releases it (an exit, a node
 * retired). Pay follows ownership by time: `ownershipSpans` gives each operator's spans within a month
 * in exactly the shape the pay evidence takes (`OwnedSpan` without its state seconds), so the evidence
 * builder adds the UP / DOWN / UNKNOWN / MAINTENANCE seconds of each span and hands it to the engine.
 */
import { Type, type Static } from '@sinclair/typebox';
import { OwnedSpan, type NodeEvidence } from '../pay/evidence.ts';
import { activePeriod } from '../pay/check-evidence.ts';
import { parseMonth } from '../pay/month.ts';
import { EpochMs, Id, type StateSeconds } from '../pay/statement.ts';
import { problemChecker, ProgramInputError, type ProgramProblem } from './problems.ts';
import { strict } from './schema.ts';

export const Transfer = Type.Object(
  {
    /** The new owner (an operator id), or null: nobody owns the node from `at` on. */
    to: Type.Union([Id, Type.Null()]),
    /** When ownership changes hands (ms epoch, whole seconds). */
    at: EpochMs,
    by: Type.Optional(Id),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  strict,
);
export type Transfer = Static<typeof Transfer>;

export const NodeOwnership = Type.Object({ nodeId: Id, registeredAt: EpochMs, transfers: Type.Array(Transfer, { minItems: 1 }) }, strict);
export type NodeOwnership = Static<typeof NodeOwnership>;

/** A stretch of ownership within a month, as the pay evidence has it: `to` null while still owned at the month's end. */
export const OwnershipSpan = Type.Pick(OwnedSpan, ['from', 'to']);
export type OwnershipSpan = Static<typeof OwnershipSpan>;

export interface OperatorOwnership {
  operatorId: string;
  spans: OwnershipSpan[];
  /** Seconds owned in the month (a span with `to` null runs to the month's end). */
  ownedSeconds: number;
}

const schema = problemChecker(NodeOwnership);

/** Every problem with a node's transfer list: order, overlap, registration, whole seconds, no-op transfers. */
export function transferProblems(node: unknown): ProgramProblem[] {
  const shape = schema.problems(node);
  if (shape.length) return shape;
  const { registeredAt, transfers } = node as NodeOwnership;
  const out: ProgramProblem[] = [];
  transfers.forEach((t, i) => {
    const path = `transfers[${i}]`;
    if (t.at % 1000 !== 0) out.push({ path: `${path}.at`, code: 'not_whole_second', message: 'transfers happen on whole seconds' });
    if (t.at < registeredAt)
      out.push({
        path: `${path}.at`,
        code: 'before_registration',
        message: `${new Date(t.at).toISOString()} is before the node was registered (${new Date(registeredAt).toISOString()})`,
      });
    const prev = transfers[i - 1];
    if (!prev) return;
    if (t.at <= prev.at)
      out.push({
        path: `${path}.at`,
        code: 'overlap',
        message: `not after the previous transfer (${new Date(prev.at).toISOString()}): two owners at once`,
      });
    if (t.to === prev.to) out.push({ path: `${path}.to`, code: 'no_change', message: `the node already belongs to ${t.to ?? 'nobody'}` });
  });
  return out;
}

function checked(node: NodeOwnership): NodeOwnership {
  const problems = transferProblems(node);
  if (problems.length) throw new ProgramInputError(`invalid transfers of node ${String(node?.nodeId)}`, problems);
  return node;
}

/** Who owns the node at `t` (null: nobody, or not registered yet). */
export function ownerAt(node: NodeOwnership, t: number): string | null {
  let owner: string | null = null;
  for (const tr of checked(node).transfers) if (tr.at <= t) owner = tr.to;
  return owner;
}

/** Each operator's spans of the node within `month` (`YYYY-MM`, UTC), in order of their first span. */
export function ownershipSpans(node: NodeOwnership, month: string): OperatorOwnership[] {
  const m = parseMonth(month);
  const { transfers } = checked(node);
  const byOperator = new Map<string, OperatorOwnership>();
  transfers.forEach((t, i) => {
    const next = transfers[i + 1]?.at;
    const from = Math.max(t.at, m.start);
    const end = Math.min(next ?? Infinity, m.end);
    if (t.to === null || end <= from) return;
    const entry = byOperator.get(t.to) ?? { operatorId: t.to, spans: [], ownedSeconds: 0 };
    entry.spans.push({ from, to: next !== undefined && next <= m.end ? next : null });
    entry.ownedSeconds += (end - from) / 1000;
    byOperator.set(t.to, entry);
  });
  return [...byOperator.values()];
}

/**
 * The node as one operator's pay evidence: their spans, each with the state seconds the SLA figures
 * give for it (`states(from, to)` with `to` resolved to the month's end for a still-owned span).
 */
export function nodeEvidence(
  nodeId: string,
  ownership: OperatorOwnership,
  month: string,
  states: (from: number, to: number) => StateSeconds,
  intervalsRef?: string,
): NodeEvidence {
  const end = parseMonth(month).end;
  return {
    nodeId,
    spans: ownership.spans.map((s) => ({ ...s, ...states(s.from, s.to ?? end) })),
    ...(intervalsRef === undefined ? {} : { intervalsRef }),
  };
}

/**
 * An operator's spans cut to their active period in the month (from `activeSince`, through the end of
 * `lastActiveDay`), as the pay evidence requires: a node still listed under an operator after their
 * last active day (the transfer to a successor came later) is not theirs to be paid for. A cut span
 * ends explicitly at the period's end.
 */
export function withinActivePeriod(
  ownership: OperatorOwnership,
  month: string,
  operator: { activeSince: string; lastActiveDay: string | null },
): OperatorOwnership {
  const m = parseMonth(month);
  const active = activePeriod(m, operator);
  const spans = ownership.spans.flatMap((s): OwnershipSpan[] => {
    const from = Math.max(s.from, active.start);
    const end = Math.min(s.to ?? m.end, active.end);
    if (end <= from) return [];
    return [{ from, to: s.to === null && end === m.end ? null : end }];
  });
  return { operatorId: ownership.operatorId, spans, ownedSeconds: spans.reduce((sum, s) => sum + ((s.to ?? m.end) - s.from) / 1000, 0) };
}
