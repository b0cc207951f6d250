/**
 * Partner commissions, worked by hand on statements the engine itself computed for the referred
 * operators. Flat (per-operator.yaml): 20 % of base + bonuses for months 1-12 of the operator's
 * service, once the partner has 2 qualifying referrals. Tiered (partner-tiered.yaml): 5 / 8 / 12 %
 * for 1 / 4 / 11 qualifying referrals in the calendar quarter so far.
 */
import { describe, expect, it } from 'vitest';
import { computeStatement } from './engine.ts';
import type { PartnerEvidence, Referral } from './evidence.ts';
import { dayOf, parseMonth } from './month.ts';
import type { Statement } from './statement.ts';
import { amounts, operatorEvidence, shippedVersion, span } from './testkit.ts';

function operatorStatement(policy: string, month: string, id: string, activeSince: string): Statement {
  const ev = operatorEvidence(month, { operator: { id, activeSince } });
  if (activeSince > `${month}-01`) ev.nodes = [{ nodeId: `${id}-n1`, spans: [span(activeSince, null, {}, dayOf(parseMonth(month).end))] }];
  return computeStatement(shippedVersion(policy, month), ev, month);
}

const partner = (referrals: Referral[], referredStatements: Statement[]): PartnerEvidence => ({
  subject: 'partner',
  partner: { id: 'pat' },
  referrals,
  referredStatements,
});
const ref = (operatorId: string, referredOn: string, qualifying = true): Referral => ({ operatorId, referredOn, qualifying });

describe('flat referral commission (per-operator policy)', () => {
  const flat = (month: string, ev: PartnerEvidence) => computeStatement(shippedVersion('per-operator', month), ev, month);
  const reasons = (st: Statement) => st.lines.map((l) => [l.refs.statement?.operatorId, l.reason, l.amountCents]);

  it("month 1 of a new operator and month 2 of another: 20 % of each one's pay", () => {
    // op1, active since 2026-02-01, March 2026 (month 2): 15000 + 5000 + 3000 + 2000 = 25000 (retention: tenure too short, 0)
    const op1 = operatorStatement('per-operator', '2026-03', 'op1', '2026-02-01');
    // op2, active since 2026-03-10: 22 of 31 days: 15000×22/31 = 10645.16 → 10645, 5000×22/31 = 3548.39 → 3548,
    // 3000×22/31 = 2129.03 → 2129, 2000×22/31 = 1419.35 → 1419; retention 0: 17741
    const op2 = operatorStatement('per-operator', '2026-03', 'op2', '2026-03-10');
    expect([op1.totalCents, op2.totalCents]).toEqual([25000, 17741]);
    // 20 % × 25000 = 5000; 20 % × 17741 = 3548.2 → 3548; total 8548
    const st = flat('2026-03', partner([ref('op1', '2026-01-15'), ref('op2', '2026-03-01')], [op1, op2]));
    expect(reasons(st)).toEqual([
      ['op1', 'commission', 5000],
      ['op2', 'commission', 3548],
    ]);
    expect(st.totalCents).toBe(8548);
    expect(st.lines[1]!.refs.statement).toMatchObject({ operatorId: 'op2', monthOfService: 1 });
  });

  it('nothing before the partner has two qualifying referrals, and no back pay', () => {
    // February 2026: only op1 referred so far (op2 is referred on March 1): 1 of 2 → 0
    const op1 = operatorStatement('per-operator', '2026-02', 'op1', '2026-02-01');
    const st = flat('2026-02', partner([ref('op1', '2026-01-15'), ref('op2', '2026-03-01')], [op1]));
    expect(reasons(st)).toEqual([['op1', 'partner_not_qualified', 0]]);
    expect(st.lines[0]!.formula).toContain('1 of 2 qualifying referrals');
  });

  it('a referral that does not qualify earns nothing and does not count', () => {
    const op1 = operatorStatement('per-operator', '2026-03', 'op1', '2026-02-01');
    const op3 = operatorStatement('per-operator', '2026-03', 'op3', '2026-02-01');
    const st = flat('2026-03', partner([ref('op1', '2026-01-15'), ref('op3', '2026-01-20', false)], [op1, op3]));
    expect(reasons(st)).toEqual([
      ['op1', 'partner_not_qualified', 0],
      ['op3', 'referral_not_qualifying', 0],
    ]);
  });

  it.each([
    // op1 active since 2026-02-01: January 2027 is month 12 (20 % × 25000 = 5000), February 2027 month 13 (nothing)
    ['2027-01', 12, 'commission', 5000],
    ['2027-02', 13, 'commission_period_over', 0],
  ])('%s is month %i of service: %s %i', (month, service, reason, cents) => {
    const op1 = operatorStatement('per-operator', month, 'op1', '2026-02-01');
    const op2 = operatorStatement('per-operator', month, 'op2', '2026-02-01');
    const st = flat(month, partner([ref('op1', '2026-01-15'), ref('op2', '2026-01-20')], [op1, op2]));
    expect(st.lines[0]).toMatchObject({ reason, amountCents: cents, refs: { statement: { operatorId: 'op1', monthOfService: service } } });
  });
});

describe('tiered referral commission (partner-tiered policy)', () => {
  // each referred operator in May 2027: base 15000 + uptime 5000 = 20000
  const month = '2027-05';
  const run = (referrals: Referral[]) => {
    const statements = referrals.slice(0, 2).map((r) => operatorStatement('partner-tiered', month, r.operatorId, '2027-01-01'));
    return computeStatement(shippedVersion('partner-tiered', month), partner(referrals, statements), month);
  };
  const inQuarter = (n: number) => Array.from({ length: n }, (_, i) => ref(`op${String(i + 1).padStart(2, '0')}`, '2027-04-10'));

  it.each<[string, Referral[], string, number]>([
    // nothing this quarter (one referral in March, one after May): below bronze: 0
    ['none this quarter', [ref('op01', '2027-03-31'), ref('op02', '2027-06-01')], 'below_lowest_level', 0],
    // 1 this quarter (March's does not count): bronze 5 % × 20000 = 1000 each, 2 statements: 2000
    ['bronze at 1', [ref('op01', '2027-03-31'), ref('op02', '2027-04-01')], 'commission', 2000],
    // 3: still bronze: 2000
    ['bronze at 3', inQuarter(3), 'commission', 2000],
    // 4: silver 8 % × 20000 = 1600 each: 3200
    ['silver at 4', inQuarter(4), 'commission', 3200],
    // 10: silver: 3200
    ['silver at 10', inQuarter(10), 'commission', 3200],
    // 11: gold 12 % × 20000 = 2400 each: 4800
    ['gold at 11', inQuarter(11), 'commission', 4800],
  ])('%s', (_name, referrals, reason, total) => {
    const st = run(referrals);
    expect(amounts(st.lines)).toEqual({ referral_commission: total });
    expect(st.lines.map((l) => l.reason)).toEqual([reason, reason]);
    expect(st.totalCents).toBe(total);
  });
});
