import { describe, expect, it } from 'vitest';
import { computeStatement } from '../engine.ts';
import type { Referral } from '../evidence.ts';
import { operatorEvidence, versionWith } from '../testkit.ts';

const version = versionWith(
  { code: 'base', kind: 'operator_base', amountCents: 15000 },
  { code: 'fee', kind: 'operator_base', amountCents: 1000 },
  { code: 'commission', kind: 'referral_commission', ratePct: 12.5, months: 3, minQualifyingReferrals: 1, ofCodes: ['base'] },
);
const opStatement = (month: string, id: string) =>
  computeStatement(version, operatorEvidence(month, { operator: { id, activeSince: '2027-01-15' }, nodes: [] }), month);
const run = (month: string, referrals: Referral[]) =>
  computeStatement(version, { subject: 'partner', partner: { id: 'p' }, referrals, referredStatements: [opStatement(month, 'op1')] }, month)
    .lines;

describe('referral_commission', () => {
  it.each<[string, string, string, number]>([
    // January (month 1, active 17 of 31 days): base 15000 × 17/31 = 8225.81 → 8226; 12.5 % = 1028.25 → 1028. `fee` is not in ofCodes
    ['2027-01', 'referred 2027-01-10', 'commission', 1028],
    // March (month 3): 12.5 % × 15000 = 1875
    ['2027-03', 'referred 2027-01-10', 'commission', 1875],
    // April (month 4): over
    ['2027-04', 'referred 2027-01-10', 'commission_period_over', 0],
  ])('%s, %s: %s %i', (month, _r, reason, cents) => {
    expect(run(month, [{ operatorId: 'op1', referredOn: '2027-01-10', qualifying: true }])[0]).toMatchObject({
      reason,
      amountCents: cents,
      refs: { lines: ['base'] },
    });
  });

  it('a referral made after the month does not qualify the partner for it', () => {
    expect(run('2027-01', [{ operatorId: 'op1', referredOn: '2027-02-01', qualifying: true }])[0]).toMatchObject({
      reason: 'partner_not_qualified',
      amountCents: 0,
    });
  });

  it('cites the digest of the referred statement', () => {
    const [line] = run('2027-03', [{ operatorId: 'op1', referredOn: '2027-01-10', qualifying: true }]);
    expect(line!.refs.statement!.digest).toMatch(/^[0-9a-f]{64}$/);
  });
});
