/** `operator_base`: a fixed monthly amount per operator, pro-rated by active days. */
import { Type } from '@sinclair/typebox';
import { Prorate, monthly } from './common.ts';
import { defineOperatorKind } from './kind.ts';

export default defineOperatorKind({
  kind: 'operator_base',
  subject: 'operator',
  summary: 'a fixed amount per operator and month, pro-rated by active days',
  params: Type.Object({ amountCents: Type.Integer({ minimum: 0 }), prorate: Prorate }, { additionalProperties: false }),
  compute(p, ctx) {
    if (ctx.activeDays === 0) return [];
    const m = monthly(p.amountCents, p.prorate, ctx);
    return [{ reason: ctx.activeDays === ctx.month.days || !p.prorate ? 'full_month' : 'prorated_active_days', ...m }];
  },
});
