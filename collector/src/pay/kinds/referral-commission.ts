/**
 * `referral_commission`: a flat share of each referred operator's pay (the lines in `ofCodes`) for
 * their first `months` months of service, once the partner has `minQualifyingReferrals` qualifying
 * referrals (counted up to the month's last day; no back pay for months before that).
 */
import { Type } from '@sinclair/typebox';
import { OfCodes, commissionDrafts, ofCodesProblems, qualifyingReferrals } from './commission.ts';
import { definePartnerKind } from './kind.ts';

export default definePartnerKind({
  kind: 'referral_commission',
  subject: 'partner',
  summary: "a flat share of a referred operator's pay for their first months, once the partner has enough qualifying referrals",
  params: Type.Object(
    {
      ratePct: Type.Number({ minimum: 0, maximum: 100 }),
      months: Type.Integer({ minimum: 1 }),
      minQualifyingReferrals: Type.Integer({ minimum: 0 }),
      ofCodes: OfCodes,
    },
    { additionalProperties: false },
  ),
  validate: (p, ctx) => ofCodesProblems(p.ofCodes, ctx),
  compute(p, ctx) {
    const count = qualifyingReferrals(ctx);
    return commissionDrafts(ctx, p.ofCodes, (_st, service, qualifying) => {
      if (!qualifying) return { reason: 'referral_not_qualifying', words: 'the referral does not qualify' };
      if (count < p.minQualifyingReferrals)
        return { reason: 'partner_not_qualified', words: `${count} of ${p.minQualifyingReferrals} qualifying referrals` };
      if (service < 1 || service > p.months) return { reason: 'commission_period_over', words: `commission runs for months 1-${p.months}` };
      return { ratePct: p.ratePct, words: `${count} qualifying referrals` };
    });
  },
});
