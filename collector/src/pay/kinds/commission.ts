/** What the two referral-commission kinds share: counting referrals and a share of a referred statement. */
import { Type } from '@sinclair/typebox';
import { digestOf } from '../canonical.ts';
import { MILLI_PCT_PER_UNIT, exactCents, milliPct, scale } from '../money.ts';
import { DAY_MS, dayOf, monthIndex, monthOf } from '../month.ts';
import { Code, type Statement } from '../statement.ts';
import { pctText, zero } from './common.ts';
import type { LineDraft, PartnerContext, ValidateContext } from './kind.ts';

/** Which of the referred operator's lines the commission is a share of (e.g. base and bonuses). */
export const OfCodes = Type.Array(Code, { minItems: 1 });

export function ofCodesProblems(ofCodes: string[], ctx: ValidateContext) {
  return ofCodes.flatMap((c, i) =>
    ctx.operatorCodes.includes(c) ? [] : [{ path: `ofCodes[${i}]`, message: `no operator line has code ${c}` }],
  );
}

/** Qualifying referrals made on or before the month's last day (and on or after `fromDay` when given). */
export function qualifyingReferrals(ctx: PartnerContext, fromDay = '0000-01-01'): number {
  const lastDay = dayOf(ctx.month.end - DAY_MS);
  return ctx.referrals.filter((r) => r.qualifying && r.referredOn >= fromDay && r.referredOn <= lastDay).length;
}

/** The referred operator's month of service: 1 for the month they became active. */
export function monthOfService(st: Statement): number {
  return st.subject.kind === 'operator' ? monthIndex(st.month) - monthIndex(monthOf(st.subject.activeSince)) + 1 : 0;
}

/**
 * One draft per referred operator's statement (in operator order): `decide` returns the rate, or a
 * reason and words for a zero line.
 */
export function commissionDrafts(
  ctx: PartnerContext,
  ofCodes: string[],
  decide: (st: Statement, service: number, qualifying: boolean) => { ratePct: number; words: string } | { reason: string; words: string },
): LineDraft[] {
  const byId = new Map(ctx.referrals.map((r) => [r.operatorId, r]));
  return [...ctx.referredStatements]
    .sort((a, b) => (a.subject.id < b.subject.id ? -1 : 1))
    .map((st) => {
      const referral = byId.get(st.subject.id)!;
      const service = monthOfService(st);
      const basisLines = st.lines.filter((l) => ofCodes.includes(l.code));
      const basis = basisLines.reduce((s, l) => s + l.amountCents, 0);
      const refs = {
        statement: { operatorId: st.subject.id, digest: digestOf(st), monthOfService: service },
        referrals: [referral],
        lines: [...new Set(basisLines.map((l) => l.code))],
      };
      const d = decide(st, service, referral.qualifying);
      if ('reason' in d) return zero(d.reason, `${st.subject.id}, month ${service} of service: ${d.words}`, refs);
      return {
        reason: 'commission',
        amount: scale(exactCents(basis), milliPct(d.ratePct), MILLI_PCT_PER_UNIT),
        formula: `${st.subject.id}, month ${service} of service: ${d.words}: ${pctText(d.ratePct)} × ${basis}¢ (${refs.lines.join(' + ') || 'no line'})`,
        refs,
      };
    });
}
