import { describe, expect, it } from 'vitest';
import { computeStatement } from '../engine.ts';
import { amounts, fullNode, operatorEvidence, versionWith } from '../testkit.ts';

const base = { code: 'base', kind: 'operator_base', amountCents: 15000 };
const run = (deduction: Record<string, unknown>, nodes: ReturnType<typeof fullNode>[]) =>
  computeStatement(
    versionWith(base, { code: 'cut', kind: 'downtime_deduction', targetPct: 99.5, basisCodes: ['base'], ...deduction }),
    operatorEvidence('2027-04', { nodes }),
    '2027-04',
  );

describe('downtime_deduction', () => {
  it('per operator: the breach of all nodes together against an operator-level basis', () => {
    // 2 nodes, 5 184 000 s observed, allowance 25 920 s; DOWN 38 880 + 12 960 = 51 840: breach 25 920 = 0.5 %
    // 15000 × 0.5 % = 75 → −75
    const st = run({ per: 'operator' }, [fullNode('n1', '2027-04', { down: 38_880 }), fullNode('n2', '2027-04', { down: 12_960 })]);
    expect(amounts(st.lines)).toEqual({ base: 15000, cut: -75 });
    expect(st.lines[1]).toMatchObject({ reason: 'sla_breach', refs: { lines: ['base'] } });
    expect(st.lines[1]!.nodeId).toBeUndefined();
  });

  it('per node finds no node-level basis in an operator-level line: nothing', () => {
    expect(run({ per: 'node' }, [fullNode('n1', '2027-04', { down: 500_000 })]).lines.map((l) => l.code)).toEqual(['base']);
  });

  it('stops at the cap', () => {
    // 500 000 s down: breach far beyond 10 %: capped at 15000 × 10 % = 1500
    const st = run({ per: 'operator', maxPct: 10 }, [fullNode('n1', '2027-04', { down: 500_000 })]);
    expect(st.lines[1]).toMatchObject({ reason: 'sla_breach_capped', amountCents: -1500, formula: '−15000¢ × 10 % (cap)' });
  });
});
