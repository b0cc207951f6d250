/**
 * `uptime_bonus`: an amount when the operator's uptime (UP / (UP + DOWN) over all their nodes'
 * owned time) passes a threshold; with several thresholds, the highest one passed pays.
 */
import { Type } from '@sinclair/typebox';
import { Comparison, Prorate, comparisonWords, monthly, nodeRefs, passes, pctText, zero } from './common.ts';
import { observedSeconds } from '../figures.ts';
import { defineOperatorKind } from './kind.ts';

export default defineOperatorKind({
  kind: 'uptime_bonus',
  subject: 'operator',
  summary: "an amount when the operator's monthly uptime passes a threshold (the highest passed of several)",
  params: Type.Object(
    {
      thresholds: Type.Array(
        Type.Object(
          { uptimePct: Type.Number({ minimum: 0, maximum: 100 }), amountCents: Type.Integer({ minimum: 0 }) },
          { additionalProperties: false },
        ),
        { minItems: 1 },
      ),
      comparison: Comparison,
      prorate: Prorate,
    },
    { additionalProperties: false },
  ),
  compute(p, ctx) {
    const u = ctx.uptime;
    const refs = { uptime: { upSeconds: u.upSeconds, downSeconds: u.downSeconds, uptimePct: u.uptimePct }, nodes: nodeRefs(ctx.nodes) };
    if (u.uptimePct === null) return [zero('no_observed_time', 'no UP or DOWN time this month', refs)];
    const observed = observedSeconds(u);
    const best = [...p.thresholds]
      .sort((a, b) => b.uptimePct - a.uptimePct)
      .find((t) => passes(u.upSeconds, observed, t.uptimePct, p.comparison));
    const ratio = `${u.upSeconds}/${observed} s = ${u.uptimePct} %`;
    if (!best)
      return [
        zero(
          'threshold_not_met',
          `${ratio}, not ${comparisonWords(p.comparison)} ${pctText(Math.min(...p.thresholds.map((t) => t.uptimePct)))}`,
          refs,
        ),
      ];
    const m = monthly(best.amountCents, p.prorate, ctx);
    return [
      {
        reason: 'threshold_met',
        amount: m.amount,
        formula: `${ratio} ${comparisonWords(p.comparison)} ${pctText(best.uptimePct)}: ${m.formula}`,
        refs: { ...refs, ...m.refs },
      },
    ];
  },
});
