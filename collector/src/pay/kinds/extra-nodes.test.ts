import { describe, expect, it } from 'vitest';
import { computeStatement } from '../engine.ts';
import { fullNodes, operatorEvidence, span, versionWith } from '../testkit.ts';

const version = versionWith({ code: 'extra', kind: 'extra_nodes', perNodeCents: 2500, includedNodes: 5, maxNodes: 10 });
const run = (nodes: ReturnType<typeof fullNodes>) => computeStatement(version, operatorEvidence('2027-02', { nodes }), '2027-02').lines;

describe('extra_nodes', () => {
  it('says nothing up to the nodes included', () => {
    expect(run(fullNodes(5, '2027-02'))).toEqual([]);
  });

  it('counts node-months beyond those included', () => {
    // 5 full nodes + one for 7 of 28 days: 5.25 node-months → 2500 × 0.25 = 625
    const [line] = run([...fullNodes(5, '2027-02'), { nodeId: 'n99', spans: [span('2027-02-01', '2027-02-08')] }]);
    expect(line).toMatchObject({
      reason: 'nodes_beyond_included',
      amountCents: 625,
      formula: '2500¢ × (min(5.2500, 10) − 5) node-months = 2500¢ × 604800 s / 2419200 s',
    });
    expect(line!.refs.nodes).toHaveLength(6);
  });

  it('stops at the cap', () => {
    // 11 nodes: min(11, 10) − 5 = 5 → 12500
    expect(run(fullNodes(11, '2027-02'))[0]).toMatchObject({ reason: 'capped_at_max_nodes', amountCents: 12500 });
  });

  it('the nodes included and the cap scale with the active days of an exiting operator', () => {
    // exit on February 10 2028 (29-day month) with 7 nodes until then: 7 × 10 days owned, 5 × 10 days included:
    // 2 extra nodes for 10 days = 1 728 000 s; 2500 × 1 728 000 / 2 505 600 = 1724.14 → 1724
    const nodes = Array.from({ length: 7 }, (_, i) => ({ nodeId: `n${i}`, spans: [span('2028-02-01', '2028-02-11')] }));
    const ev = operatorEvidence('2028-02', { operator: { lastActiveDay: '2028-02-10' }, nodes });
    expect(computeStatement(version, ev, '2028-02').lines[0]).toMatchObject({ reason: 'nodes_beyond_included', amountCents: 1724 });
  });
});
