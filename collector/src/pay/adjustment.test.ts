import { describe, expect, it } from 'vitest';
import { computeStatement } from './engine.ts';
import { PayEvidenceError, PayPolicyError } from './errors.ts';
import type { Adjustment } from './evidence.ts';
import { operatorEvidence, shippedVersion, versionWith } from './testkit.ts';

const version = shippedVersion('per-operator', '2027-05');
const adj = (id: string, amountCents: number, extra: Partial<Adjustment> = {}): Adjustment => ({
  id,
  amountCents,
  reason: 'dispute_resolved',
  note: 'n3 was in declared maintenance',
  by: 'admin-1',
  ...extra,
});

describe('adjustments', () => {
  it('follow the policy lines, in id order, as decided, and add to the total', () => {
    const ev = {
      ...operatorEvidence('2027-05'),
      adjustments: [
        adj('adj-2', -1250, { reason: 'closed_month_correction', note: 'double-counted node' }),
        adj('adj-1', 5000, { corrects: { month: '2027-04', code: 'uptime_bonus' } }),
      ],
    };
    const st = computeStatement(version, ev, '2027-05');
    // 25000 (base + three bonuses) + 5000 − 1250 = 28750
    expect(st.totalCents).toBe(28750);
    expect(st.lines.slice(-2)).toEqual([
      {
        code: 'adjustment',
        kind: 'adjustment',
        reason: 'dispute_resolved',
        amountCents: 5000,
        formula: '5000¢ decided by admin-1 (corrects 2027-04 uptime_bonus): n3 was in declared maintenance',
        refs: {
          adjustment: {
            id: 'adj-1',
            by: 'admin-1',
            note: 'n3 was in declared maintenance',
            corrects: { month: '2027-04', code: 'uptime_bonus' },
          },
        },
      },
      {
        code: 'adjustment',
        kind: 'adjustment',
        reason: 'closed_month_correction',
        amountCents: -1250,
        formula: '-1250¢ decided by admin-1: double-counted node',
        refs: { adjustment: { id: 'adj-2', by: 'admin-1', note: 'double-counted node' } },
      },
    ]);
  });

  it('an adjustment listed twice is refused', () => {
    const ev = { ...operatorEvidence('2027-05'), adjustments: [adj('a', 1), adj('a', 2)] };
    expect(() => computeStatement(version, ev, '2027-05')).toThrow(PayEvidenceError);
  });

  it('no policy line may take the adjustment code', () => {
    expect(() => versionWith({ code: 'adjustment', kind: 'operator_base', amountCents: 1 })).toThrow(PayPolicyError);
  });
});
