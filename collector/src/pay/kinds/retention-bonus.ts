/**
 * `retention_bonus`: an amount in the last month of each calendar quarter (March, June, September,
 * December) for an operator still active on the quarter's last day who by then has been active for
 * at least `minActiveMonths` months (active since 2027-01-01 reaches 6 months on 2027-07-01, so the
 * June quarter pays).
 */
import { Type } from '@sinclair/typebox';
import { exactCents } from '../money.ts';
import { DAY_MS, addMonths, dayOf, quarterOf } from '../month.ts';
import { zero } from './common.ts';
import { defineOperatorKind } from './kind.ts';

export default defineOperatorKind({
  kind: 'retention_bonus',
  subject: 'operator',
  summary: 'an amount per calendar quarter, paid in its last month, to operators active for at least `minActiveMonths`',
  params: Type.Object(
    { amountCents: Type.Integer({ minimum: 0 }), minActiveMonths: Type.Integer({ minimum: 0 }) },
    { additionalProperties: false },
  ),
  compute(p, ctx) {
    if (quarterOf(ctx.month.id).last !== ctx.month.id) return [];
    const lastDay = dayOf(ctx.month.end - DAY_MS);
    const dayAfter = dayOf(ctx.month.end);
    const op = ctx.operator;
    if (op.lastActiveDay !== null && op.lastActiveDay < lastDay)
      return [zero('left_before_quarter_end', `last active day ${op.lastActiveDay} is before the quarter's last day ${lastDay}`, {})];
    const reached = addMonths(op.activeSince, p.minActiveMonths);
    const words = `active since ${op.activeSince}, ${p.minActiveMonths} months reached on ${reached}`;
    if (reached > dayAfter) return [zero('tenure_too_short', `${words}, after the quarter's end (${dayAfter})`, {})];
    return [
      {
        reason: 'retained',
        amount: exactCents(p.amountCents),
        formula: `${words}, by the quarter's end (${dayAfter}): ${p.amountCents}¢`,
        refs: {},
      },
    ];
  },
});
