import { describe, expect, it } from 'vitest';
import { computeStatement } from '../engine.ts';
import { operatorEvidence, versionWith } from '../testkit.ts';

describe('operator_base', () => {
  it.each<[string, Record<string, unknown>, { activeSince?: string; lastActiveDay?: string | null }, string, number | undefined]>([
    ['a full month', { amountCents: 15000 }, {}, 'full_month', 15000],
    // 31-day month, last active day the 1st: 15000 × 1/31 = 483.87 → 484
    ['one day of 31', { amountCents: 15000 }, { lastActiveDay: '2027-01-01' }, 'prorated_active_days', 484],
    ['not pro-rated when the policy says so', { amountCents: 15000, prorate: false }, { lastActiveDay: '2027-01-01' }, 'full_month', 15000],
    ['no line for a month without an active day', { amountCents: 15000 }, { activeSince: '2027-02-01' }, '', undefined],
  ])('%s', (_name, params, operator, reason, cents) => {
    const ev = operatorEvidence('2027-01', { operator, nodes: [] });
    const [line] = computeStatement(versionWith({ code: 'base', kind: 'operator_base', ...params }), ev, '2027-01').lines;
    expect(line && [line.reason, line.amountCents]).toEqual(cents === undefined ? undefined : [reason, cents]);
  });
});
