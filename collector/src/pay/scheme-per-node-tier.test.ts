/**
 * The shipped per-node-tier policy, worked by hand: 50000¢ / 80000¢ / 120000¢ per node-month for
 * certified / senior / fleet_lead, plus 20000¢ / 40000¢ / 60000¢ when the operator's uptime is above
 * 99.5 / 99.8 / 99.9 %. Seconds: February 2027 (28 d) = 2 419 200, April 2027 (30 d) = 2 592 000.
 */
import { describe, expect, it } from 'vitest';
import { computeStatement } from './engine.ts';
import type { OperatorEvidence } from './evidence.ts';
import { amounts, fullNode, operatorEvidence, shippedVersion, span } from './testkit.ts';

const run = (month: string, ev: OperatorEvidence) => computeStatement(shippedVersion('per-node-tier', month), ev, month);
// two nodes in February, 10 000 s down on the second: 4 828 400 / 4 838 400 = 99.7933 %
const twoNodes = (tier: string) =>
  operatorEvidence('2027-02', { operator: { tier }, nodes: [fullNode('n1', '2027-02'), fullNode('n2', '2027-02', { down: 10_000 })] });

describe('per-node-tier policy', () => {
  it.each<[string, string, OperatorEvidence, Record<string, number>, number]>([
    // 2 × 50000 + 20000 (99.79 % > 99.5 %) = 120000
    ['certified, 2 nodes at 99.79 %', '2027-02', twoNodes('certified'), { node_base: 100000, uptime_bonus: 20000 }, 120000],
    // 2 × 80000, 99.79 % not above 99.8 %: 160000
    ['senior, 2 nodes at 99.79 %', '2027-02', twoNodes('senior'), { node_base_senior: 160000, uptime_bonus_senior: 0 }, 160000],
    // 2 × 120000, 99.79 % not above 99.9 %: 240000
    [
      'fleet lead, 2 nodes at 99.79 %',
      '2027-02',
      twoNodes('fleet_lead'),
      { node_base_fleet_lead: 240000, uptime_bonus_fleet_lead: 0 },
      240000,
    ],
    // a node transferred in on February 15: 14 of 28 days: 120000 × 1 209 600 / 2 419 200 = 60000; 100 % > 99.9 %: +60000 = 120000
    [
      'fleet lead, a node from mid-month',
      '2027-02',
      operatorEvidence('2027-02', {
        operator: { tier: 'fleet_lead' },
        nodes: [{ nodeId: 'n1', spans: [span('2027-02-15', null, {}, '2027-03-01')] }],
      }),
      { node_base_fleet_lead: 60000, uptime_bonus_fleet_lead: 60000 },
      120000,
    ],
    // senior exactly at 99.8 %: 5 184 s down of 2 592 000: not above: 80000
    [
      'senior exactly at 99.8 %',
      '2027-04',
      operatorEvidence('2027-04', { operator: { tier: 'senior' }, nodes: [fullNode('n1', '2027-04', { down: 5_184 })] }),
      { node_base_senior: 80000, uptime_bonus_senior: 0 },
      80000,
    ],
    // one second less down: above 99.8 %: 80000 + 40000 = 120000
    [
      'senior just above 99.8 %',
      '2027-04',
      operatorEvidence('2027-04', { operator: { tier: 'senior' }, nodes: [fullNode('n1', '2027-04', { down: 5_183 })] }),
      { node_base_senior: 80000, uptime_bonus_senior: 40000 },
      120000,
    ],
  ])('%s (%s)', (_name, month, evidence, lines, total) => {
    const st = run(month, evidence);
    expect(amounts(st.lines)).toEqual(lines);
    expect(st.totalCents).toBe(total);
  });

  it('pays one line per node, each citing its node', () => {
    const st = run('2027-02', twoNodes('certified'));
    expect(
      st.lines.filter((l) => l.code === 'node_base').map((l) => [l.nodeId, l.reason, l.amountCents, l.refs.nodes?.map((n) => n.nodeId)]),
    ).toEqual([
      ['n1', 'full_month', 50000, ['n1']],
      ['n2', 'full_month', 50000, ['n2']],
    ]);
  });
});
