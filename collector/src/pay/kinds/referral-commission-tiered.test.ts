import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy.ts';
import { PayPolicyError } from '../errors.ts';
import { computeStatement } from '../engine.ts';
import { operatorEvidence, versionWith } from '../testkit.ts';

const line = {
  code: 'commission',
  kind: 'referral_commission_tiered',
  months: 2,
  levels: [
    { name: 'bronze', minReferrals: 1, ratePct: 5 },
    { name: 'gold', minReferrals: 3, ratePct: 12 },
  ],
  ofCodes: ['base'],
};
const version = versionWith({ code: 'base', kind: 'operator_base', amountCents: 15000 }, line);

describe('referral_commission_tiered', () => {
  it('limits to the months of service when `months` is set', () => {
    const op = (month: string) =>
      computeStatement(version, operatorEvidence(month, { operator: { id: 'op1', activeSince: '2027-01-01' } }), month);
    const run = (month: string) =>
      computeStatement(
        version,
        {
          subject: 'partner',
          partner: { id: 'p' },
          referrals: [{ operatorId: 'op1', referredOn: '2027-01-01', qualifying: true }],
          referredStatements: [op(month)],
        },
        month,
      ).lines[0];
    // February: month 2, bronze (1 referral this quarter): 5 % × 15000 = 750; March: month 3: over
    expect(run('2027-02')).toMatchObject({ reason: 'commission', amountCents: 750 });
    expect(run('2027-03')).toMatchObject({ reason: 'commission_period_over', amountCents: 0 });
    // April: a new quarter with no referral in it
    expect(run('2027-04')).toMatchObject({ reason: 'below_lowest_level', amountCents: 0 });
  });

  it('refuses levels that do not rise', () => {
    const bad = {
      ...line,
      levels: [
        { name: 'gold', minReferrals: 3, ratePct: 12 },
        { name: 'bronze', minReferrals: 3, ratePct: 5 },
      ],
    };
    expect(() =>
      parsePolicy({
        policy: 'x',
        currency: 'USD',
        versions: [
          { id: 'v', effectiveFrom: '2020-01', tiers: ['t'], lines: [{ code: 'base', kind: 'operator_base', amountCents: 1 }, bad] },
        ],
      }),
    ).toThrow(PayPolicyError);
  });
});
