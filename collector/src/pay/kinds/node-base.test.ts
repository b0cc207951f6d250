import { describe, expect, it } from 'vitest';
import { computeStatement } from '../engine.ts';
import { fullNode, operatorEvidence, span, versionWith } from '../testkit.ts';

describe('node_base', () => {
  it('one line per node, pro-rated by owned time over several spans', () => {
    const version = versionWith({ code: 'node', kind: 'node_base', amountCents: 50000 });
    // n2 owned April 1-6 and again April 21-26 (transferred away and back): 10 of 30 days: 50000/3 = 16666.67 → 16667
    const ev = operatorEvidence('2027-04', {
      nodes: [fullNode('n1', '2027-04'), { nodeId: 'n2', spans: [span('2027-04-01', '2027-04-06'), span('2027-04-21', '2027-04-26')] }],
    });
    const st = computeStatement(version, ev, '2027-04');
    expect(st.lines.map((l) => [l.nodeId, l.reason, l.amountCents])).toEqual([
      ['n1', 'full_month', 50000],
      ['n2', 'prorated_owned_time', 16667],
    ]);
    expect(st.lines[1]!.formula).toBe('50000¢ × 864000 s owned / 2592000 s');
    expect(st.totalCents).toBe(66667);
  });

  it('applies only to the tiers it names', () => {
    const version = versionWith({ code: 'node', kind: 'node_base', tiers: ['senior'], amountCents: 80000 });
    expect(computeStatement(version, operatorEvidence('2027-04'), '2027-04').lines).toEqual([]);
    expect(computeStatement(version, operatorEvidence('2027-04', { operator: { tier: 'senior' } }), '2027-04').totalCents).toBe(80000);
  });
});
