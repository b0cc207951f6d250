/** The worked example of README.md, so the document cannot drift from the code. */
import { describe, expect, it } from 'vitest';
import { computeStatement } from './engine.ts';
import type { Adjustment } from './evidence.ts';
import { amounts, at, fullNode, fullNodes, operatorEvidence, shippedVersion, span } from './testkit.ts';

describe('the README worked example', () => {
  it('alice, April 2027: $242.50', () => {
    const ev = operatorEvidence('2027-04', {
      operator: { activeSince: '2026-10-01' },
      nodes: [
        fullNode('n1', '2027-04'),
        fullNode('n2', '2027-04'),
        fullNode('n3', '2027-04', { down: 9_000, maintenance: 7_200 }),
        fullNode('n4', '2027-04', { unknown: 3_600 }),
        fullNode('n5', '2027-04'),
        { nodeId: 'n6', spans: [span('2027-04-01', '2027-04-16')] },
      ],
      tasks: [{ sourceId: 'crm-2027-04', assigned: 100, completed: 98 }],
      incidents: [
        { id: 'inc-17', severity: 'P2', openedAt: at('2027-04-08T03:00:00Z'), acknowledgedAt: at('2027-04-08T03:12:00Z') },
        { id: 'inc-23', severity: 'P2', openedAt: at('2027-04-19T22:00:00Z'), acknowledgedAt: at('2027-04-19T22:41:00Z') },
      ],
    });
    const st = computeStatement(shippedVersion('per-operator', '2027-04'), ev, '2027-04');
    expect(st.uptime).toMatchObject({ upSeconds: 14_236_200, downSeconds: 9_000, uptimePct: '99.9368' });
    expect(amounts(st.lines)).toEqual({ base: 15000, extra_nodes: 1250, uptime_bonus: 5000, task_bonus: 3000, ack_bonus: 0 });
    expect(st.totalCents).toBe(24250);
    expect(st.lines.map((l) => `${l.code}: ${l.formula}`)).toEqual([
      'base: 15000¢',
      'extra_nodes: 2500¢ × (min(5.5000, 10) − 5) node-months = 2500¢ × 1296000 s / 2592000 s',
      'uptime_bonus: 14236200/14245200 s = 99.9368 % > 99.5 %: 5000¢',
      'task_bonus: 98/100 tasks completed > 95 %: 3000¢',
      'ack_bonus: 1/2 critical incidents acknowledged within 30 min (late: inc-23)',
    ]);
  });

  it('bob, April 2027: n6 from April 16 inside his 5 included nodes, no task import: $220.00', () => {
    const ev = operatorEvidence('2027-04', {
      operator: { id: 'bob', activeSince: '2027-01-01' },
      nodes: [{ nodeId: 'n6', spans: [span('2027-04-16', null, {}, '2027-05-01')] }],
      tasks: [],
    });
    const st = computeStatement(shippedVersion('per-operator', '2027-04'), ev, '2027-04');
    expect(st.nodes).toMatchObject([{ nodeId: 'n6', ownedSeconds: 1_296_000, ownedDays: '15.00', uptimePct: '100.0000' }]);
    expect(amounts(st.lines)).toEqual({ base: 15000, uptime_bonus: 5000, task_bonus: 0, ack_bonus: 2000 });
    expect(st.lines.find((l) => l.code === 'task_bonus')?.reason).toBe('no_task_import');
    expect(st.totalCents).toBe(22000);
  });

  it("alice's accepted dispute of April's ack_bonus is paid in May as an adjustment: +$20.00 on May's lines", () => {
    const may = (adjustments: Adjustment[]) =>
      computeStatement(
        shippedVersion('per-operator', '2027-05'),
        {
          ...operatorEvidence('2027-05', { operator: { activeSince: '2026-10-01' }, nodes: fullNodes(5, '2027-05'), tasks: [] }),
          adjustments,
        },
        '2027-05',
      );
    const without = may([]);
    const withIt = may([
      {
        id: '0000000001',
        amountCents: 2000,
        reason: 'dispute_resolved',
        note: 'dispute 1: phone log confirms 22:20',
        by: 'finance',
        corrects: { month: '2027-04', code: 'ack_bonus' },
      },
    ]);
    expect(withIt.lines.at(-1)).toMatchObject({ code: 'adjustment', reason: 'dispute_resolved', amountCents: 2000 });
    expect(withIt.totalCents - without.totalCents).toBe(2000);
  });
});
