/** Pieces several kinds share: thresholds, pro-rating by active days, node references. */
import { Type } from '@sinclair/typebox';
import { MILLI_PCT_PER_UNIT, decimalString, exactCents, milliPct, scale, type Exact } from '../money.ts';
import type { LineRefs, NodeFigures } from '../statement.ts';
import type { OperatorContext } from './kind.ts';

/** `above` (strictly greater, the default: "> 99.5 %") or `at_or_above` (≥). */
export const Comparison = Type.Union([Type.Literal('above'), Type.Literal('at_or_above')], { default: 'above' });
export type Comparison = 'above' | 'at_or_above';

/** Whether num/den passes a percentage threshold, exactly (no floating point). */
export function passes(num: number, den: number, pct: number, comparison: Comparison): boolean {
  const left = BigInt(num) * MILLI_PCT_PER_UNIT;
  const right = milliPct(pct) * BigInt(den);
  return comparison === 'above' ? left > right : left >= right;
}

export const comparisonWords = (c: Comparison): string => (c === 'above' ? '>' : '≥');

/** `pct` written back the way the policy states it (at most 3 decimals). */
export const pctText = (pct: number): string => `${decimalString(milliPct(pct), 1000n, 3).replace(/\.?0+$/, '')} %`;

/** Whether a monthly amount is pro-rated by the operator's active days (exit or start mid-month). */
export const Prorate = Type.Boolean({ default: true, description: 'pro-rate by active days / days in the month' });

export function monthly(amountCents: number, prorate: boolean, ctx: OperatorContext): { amount: Exact; formula: string; refs: LineRefs } {
  const full = ctx.activeDays === ctx.month.days || !prorate;
  return {
    amount: full ? exactCents(amountCents) : scale(exactCents(amountCents), ctx.activeDays, ctx.month.days),
    formula: full ? `${amountCents}¢` : `${amountCents}¢ × ${ctx.activeDays}/${ctx.month.days} active days`,
    refs: prorate ? { activeDays: { days: ctx.activeDays, of: ctx.month.days } } : {},
  };
}

export function nodeRefs(nodes: NodeFigures[]): NonNullable<LineRefs['nodes']> {
  return nodes.map((n) => ({
    nodeId: n.nodeId,
    owned: n.owned,
    upSeconds: n.upSeconds,
    downSeconds: n.downSeconds,
    ...(n.intervalsRef === undefined ? {} : { intervalsRef: n.intervalsRef }),
  }));
}

/** A line that was evaluated and earned nothing: shown so the operator sees why. */
export const zero = (reason: string, formula: string, refs: LineRefs) => ({ reason, amount: exactCents(0), formula, refs });
