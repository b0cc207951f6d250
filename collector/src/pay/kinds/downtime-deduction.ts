/**
 * `downtime_deduction`: pay lost in proportion to downtime beyond the SLA. Per node (or for the
 * operator as a whole), with observed = UP + DOWN seconds and the target t:
 *
 *     breach    = max(0, DOWN − (1 − t) × observed)        seconds beyond the allowed downtime
 *     deduction = basis × breach / observed                 at most basis × maxPct
 *
 * where basis is the sum of the earlier lines named in `basisCodes` (for `per: node`, that node's
 * lines). UNKNOWN and MAINTENANCE time is neither observed nor down, so it never costs anything.
 */
import { Type } from '@sinclair/typebox';
import { MILLI_PCT_PER_UNIT, decimalString, exactCents, milliPct, negate, scale } from '../money.ts';
import { observedSeconds, sumStates } from '../figures.ts';
import { Code, type NodeFigures } from '../statement.ts';
import { nodeRefs, pctText } from './common.ts';
import { defineOperatorKind, type LineDraft } from './kind.ts';

export default defineOperatorKind({
  kind: 'downtime_deduction',
  subject: 'operator',
  summary: 'a deduction of the share of pay equal to the share of observed time down beyond the SLA',
  params: Type.Object(
    {
      targetPct: Type.Number({ minimum: 0, maximum: 100 }),
      per: Type.Union([Type.Literal('node'), Type.Literal('operator')], { default: 'node' }),
      basisCodes: Type.Array(Code, { minItems: 1 }),
      maxPct: Type.Number({ minimum: 0, maximum: 100, default: 100 }),
    },
    { additionalProperties: false },
  ),
  validate: (p, ctx) =>
    p.basisCodes.flatMap((c, i) =>
      ctx.earlierCodes.includes(c) ? [] : [{ path: `basisCodes[${i}]`, message: `no earlier line has code ${c}` }],
    ),
  compute(p, ctx) {
    const groups: Array<{ nodeId?: string; nodes: NodeFigures[] }> =
      p.per === 'node' ? ctx.nodes.map((n) => ({ nodeId: n.nodeId, nodes: [n] })) : [{ nodes: ctx.nodes }];
    const T = milliPct(p.targetPct);
    const out: LineDraft[] = [];
    for (const g of groups) {
      const basisLines = ctx.lines.filter((l) => p.basisCodes.includes(l.code) && (g.nodeId === undefined || l.nodeId === g.nodeId));
      const basis = basisLines.reduce((s, l) => s + l.amountCents, 0);
      const states = sumStates(g.nodes);
      const down = states.downSeconds;
      const observed = BigInt(observedSeconds(states));
      // breach in milli-percent-seconds: (DOWN − (1 − t) × observed) × 100 000
      const breach = BigInt(down) * MILLI_PCT_PER_UNIT - (MILLI_PCT_PER_UNIT - T) * observed;
      if (basis <= 0 || observed === 0n || breach <= 0n) continue;
      const capped = breach > milliPct(p.maxPct) * observed;
      const allowed = decimalString((MILLI_PCT_PER_UNIT - T) * observed, MILLI_PCT_PER_UNIT, 3);
      const amount = capped
        ? scale(exactCents(basis), milliPct(p.maxPct), MILLI_PCT_PER_UNIT)
        : scale(exactCents(basis), breach, MILLI_PCT_PER_UNIT * observed);
      out.push({
        ...(g.nodeId === undefined ? {} : { nodeId: g.nodeId }),
        reason: capped ? 'sla_breach_capped' : 'sla_breach',
        amount: negate(amount),
        formula: capped
          ? `−${basis}¢ × ${pctText(p.maxPct)} (cap)`
          : `−${basis}¢ × (${down} s down − ${allowed} s allowed at ${pctText(p.targetPct)}) / ${observed} s observed`,
        refs: { nodes: nodeRefs(g.nodes), lines: [...new Set(basisLines.map((l) => l.code))] },
      });
    }
    return out;
  },
});
