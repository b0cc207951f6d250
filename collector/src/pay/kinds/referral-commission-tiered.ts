/**
 * `referral_commission_tiered`: a share of each referred operator's pay whose rate depends on the
 * partner's level, set by qualifying referrals in the calendar quarter so far (bronze 1+, silver 4+,
 * gold 11+ ...). Optional `months` limits it to the operator's first months of service.
 */
import { Type } from '@sinclair/typebox';
import { quarterOf } from '../month.ts';
import { Code } from '../statement.ts';
import { OfCodes, commissionDrafts, ofCodesProblems, qualifyingReferrals } from './commission.ts';
import { definePartnerKind } from './kind.ts';

export default definePartnerKind({
  kind: 'referral_commission_tiered',
  subject: 'partner',
  summary: "a share of a referred operator's pay at the rate of the partner's level, by qualifying referrals this quarter",
  params: Type.Object(
    {
      levels: Type.Array(
        Type.Object(
          { name: Code, minReferrals: Type.Integer({ minimum: 1 }), ratePct: Type.Number({ minimum: 0, maximum: 100 }) },
          { additionalProperties: false },
        ),
        { minItems: 1 },
      ),
      months: Type.Optional(Type.Integer({ minimum: 1 })),
      ofCodes: OfCodes,
    },
    { additionalProperties: false },
  ),
  validate: (p, ctx) => [
    ...ofCodesProblems(p.ofCodes, ctx),
    ...p.levels.flatMap((l, i) =>
      i > 0 && l.minReferrals <= p.levels[i - 1]!.minReferrals
        ? [{ path: `levels[${i}].minReferrals`, message: 'levels must rise: more referrals than the level before' }]
        : [],
    ),
  ],
  compute(p, ctx) {
    const quarterStart = `${quarterOf(ctx.month.id).first}-01`;
    const count = qualifyingReferrals(ctx, quarterStart);
    const level = [...p.levels].reverse().find((l) => count >= l.minReferrals);
    return commissionDrafts(ctx, p.ofCodes, (_st, service, qualifying) => {
      if (!qualifying) return { reason: 'referral_not_qualifying', words: 'the referral does not qualify' };
      if (!level)
        return {
          reason: 'below_lowest_level',
          words: `${count} qualifying referrals since ${quarterStart}, ${p.levels[0]!.name} needs ${p.levels[0]!.minReferrals}`,
        };
      if (p.months !== undefined && (service < 1 || service > p.months))
        return { reason: 'commission_period_over', words: `commission runs for months 1-${p.months}` };
      return { ratePct: level.ratePct, words: `${level.name} (${count} qualifying referrals since ${quarterStart})` };
    });
  },
});
