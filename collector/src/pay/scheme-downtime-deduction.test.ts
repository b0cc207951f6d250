/**
 * The shipped downtime-deduction policy, worked by hand: 50000¢ per node-month, less
 * 50000¢ × breach / observed, breach = DOWN − 0.5 % × observed, observed = UP + DOWN.
 * April 2027: 2 592 000 s, so 0.5 % allows 12 960 s down.
 */
import { describe, expect, it } from 'vitest';
import { computeStatement } from './engine.ts';
import type { OperatorEvidence } from './evidence.ts';
import { amounts, fullNode, operatorEvidence, shippedVersion, span } from './testkit.ts';

const run = (ev: OperatorEvidence) => computeStatement(shippedVersion('downtime-deduction', '2027-04'), ev, '2027-04');
const nodes = (...n: OperatorEvidence['nodes']) => operatorEvidence('2027-04', { nodes: n });

describe('downtime-deduction policy', () => {
  it.each<[string, OperatorEvidence, Record<string, number>, number]>([
    // no downtime: 50000
    ['all UP', nodes(fullNode('n1', '2027-04')), { node_base: 50000 }, 50000],
    // exactly the allowance (12 960 s = 0.5 %): no breach: 50000
    ['down exactly the allowance', nodes(fullNode('n1', '2027-04', { down: 12_960 })), { node_base: 50000 }, 50000],
    // 38 880 s down (1.5 %): breach 38 880 − 12 960 = 25 920 s = 1 % of observed: −500. 49500
    ['1.5 % down', nodes(fullNode('n1', '2027-04', { down: 38_880 })), { node_base: 50000, downtime_deduction: -500 }, 49500],
    // breach 648 s: 50000 × 648 / 2 592 000 = 12.5 → 13 (half up on the magnitude): 50000 − 13 = 49987
    [
      'a half cent rounds up on the magnitude',
      nodes(fullNode('n1', '2027-04', { down: 13_608 })),
      { node_base: 50000, downtime_deduction: -13 },
      49987,
    ],
    // owned from April 16 (1 296 000 s): base 25000; 19 440 s down (1.5 %), allowance 6 480, breach 12 960 = 1 %: −250. 24750
    [
      'half a month owned',
      nodes({ nodeId: 'n1', spans: [span('2027-04-16', null, { down: 19_440 }, '2027-05-01')] }),
      { node_base: 25000, downtime_deduction: -250 },
      24750,
    ],
    // UNKNOWN 86 400 s is not observed: observed 2 505 600, allowance 12 528, breach 38 880 − 12 528 = 26 352;
    // 50000 × 26 352 / 2 505 600 = 525.86 → 526. 49474
    [
      'UNKNOWN is neither observed nor down',
      nodes(fullNode('n1', '2027-04', { down: 38_880, unknown: 86_400 })),
      { node_base: 50000, downtime_deduction: -526 },
      49474,
    ],
    // MAINTENANCE likewise: observed 2 505 600, the same figures: 49474
    [
      'MAINTENANCE is neither observed nor down',
      nodes(fullNode('n1', '2027-04', { down: 38_880, maintenance: 86_400 })),
      { node_base: 50000, downtime_deduction: -526 },
      49474,
    ],
    // per node: n1 all UP 50000, n2 1.5 % down 49500: 99500
    [
      'only the breaching node loses',
      nodes(fullNode('n1', '2027-04'), fullNode('n2', '2027-04', { down: 38_880 })),
      { node_base: 100000, downtime_deduction: -500 },
      99500,
    ],
  ])('%s', (_name, evidence, lines, total) => {
    const st = run(evidence);
    expect(amounts(st.lines)).toEqual(lines);
    expect(st.totalCents).toBe(total);
  });

  it('names the node, the basis line and the arithmetic', () => {
    const st = run(nodes(fullNode('n1', '2027-04'), fullNode('n2', '2027-04', { down: 38_880 })));
    const d = st.lines.find((l) => l.code === 'downtime_deduction')!;
    expect(d).toMatchObject({
      nodeId: 'n2',
      reason: 'sla_breach',
      refs: { lines: ['node_base'], nodes: [{ nodeId: 'n2', downSeconds: 38_880 }] },
    });
    expect(d.formula).toBe('−50000¢ × (38880 s down − 12960.000 s allowed at 99.5 %) / 2592000 s observed');
  });
});
