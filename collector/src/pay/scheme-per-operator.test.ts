/**
 * The shipped per-operator policy, worked by hand. Lines: base 15000¢ (pro-rated by active days),
 * 2500¢ per node-month beyond 5 (at most 10), +5000¢ uptime > 99.5 %, +3000¢ tasks > 95 %, +2000¢
 * every critical incident acknowledged within 30 min, +10000¢ at a quarter's end after 6 months.
 * Seconds in a month: 28 d = 2 419 200, 29 d = 2 505 600, 30 d = 2 592 000, 31 d = 2 678 400.
 */
import { describe, expect, it } from 'vitest';
import { computeStatement } from './engine.ts';
import type { OperatorEvidence } from './evidence.ts';
import { amounts, at, fullNode, fullNodes, operatorEvidence, shippedVersion, span } from './testkit.ts';

const run = (month: string, ev: OperatorEvidence) => computeStatement(shippedVersion('per-operator', month), ev, month);
const incident = (id: string, opened: string, acked: string | null) => ({
  id,
  severity: 'P2',
  openedAt: at(opened),
  acknowledgedAt: acked === null ? null : at(acked),
});
const ALL = { base: 15000, uptime_bonus: 5000, task_bonus: 3000, ack_bonus: 2000 };

describe('per-operator policy', () => {
  it.each<[string, string, OperatorEvidence, Record<string, number>, number]>([
    // 28-day month, 5 nodes all UP: 15000 + 5000 + 3000 + 2000 = 25000 (no node beyond 5, not a quarter's end)
    ['28-day month, 5 nodes', '2027-02', operatorEvidence('2027-02', { nodes: fullNodes(5, '2027-02') }), ALL, 25000],
    // 29-day February, exit on the 10th: every monthly line × 10/29:
    // 15000×10/29 = 5172.41 → 5172; 5000×10/29 = 1724.14 → 1724; 3000×10/29 = 1034.48 → 1034; 2000×10/29 = 689.66 → 690
    // total 5172 + 1724 + 1034 + 690 = 8620
    [
      '29-day month, exit on the 10th',
      '2028-02',
      operatorEvidence('2028-02', {
        operator: { lastActiveDay: '2028-02-10', lifecycle: 'exited' },
        nodes: [{ nodeId: 'n1', spans: [span('2028-02-01', null, {}, '2028-02-11')] }],
      }),
      { base: 5172, uptime_bonus: 1724, task_bonus: 1034, ack_bonus: 690 },
      8620,
    ],
    // 30-day month, 7 nodes: extra 2500 × (7 − 5) = 5000; 15000 + 5000 + 10000 = 30000
    [
      '30-day month, 7 nodes',
      '2027-04',
      operatorEvidence('2027-04', { nodes: fullNodes(7, '2027-04') }),
      { ...ALL, extra_nodes: 5000 },
      30000,
    ],
    // 31-day month, exactly 10 nodes: extra 2500 × 5 = 12500; 15000 + 12500 + 10000 = 37500
    [
      '31-day month, 10 nodes',
      '2027-01',
      operatorEvidence('2027-01', { nodes: fullNodes(10, '2027-01') }),
      { ...ALL, extra_nodes: 12500 },
      37500,
    ],
    // 12 nodes, capped at 10: extra 2500 × (10 − 5) = 12500; March is a quarter's end and the operator has
    // been active since 2026-09-01 (6 months on 2027-03-01): +10000. 15000 + 12500 + 10000 + 10000 = 47500
    [
      'the 10-node cap, at a quarter end',
      '2027-03',
      operatorEvidence('2027-03', { operator: { activeSince: '2026-09-01' }, nodes: fullNodes(12, '2027-03') }),
      { ...ALL, extra_nodes: 12500, retention_bonus: 10000 },
      47500,
    ],
    // a sixth node transferred away on April 16: 5 × 2 592 000 + 1 296 000 s owned = 5.5 node-months;
    // extra 2500 × 0.5 = 1250; 15000 + 1250 + 10000 = 26250
    [
      'a node transferred away mid-month (old owner)',
      '2027-04',
      operatorEvidence('2027-04', { nodes: [...fullNodes(5, '2027-04'), { nodeId: 'n06', spans: [span('2027-04-01', '2027-04-16')] }] }),
      { ...ALL, extra_nodes: 1250 },
      26250,
    ],
    // the new owner has it from April 16 only: one node, well within the base: 15000 + 10000 = 25000
    [
      'a node transferred in mid-month (new owner)',
      '2027-04',
      operatorEvidence('2027-04', {
        operator: { id: 'bob' },
        nodes: [{ nodeId: 'n06', spans: [span('2027-04-16', null, {}, '2027-05-01')] }],
      }),
      ALL,
      25000,
    ],
    // MAINTENANCE does not count: DOWN 10 000 s, MAINTENANCE 7 200 s, UP 2 574 800 s:
    // 2 574 800 / 2 584 800 = 99.613 % > 99.5 % → bonus (counted as down it would be 99.336 %): 25000
    [
      'maintenance never counts against',
      '2027-04',
      operatorEvidence('2027-04', { nodes: [fullNode('n1', '2027-04', { down: 10_000, maintenance: 7_200 })] }),
      ALL,
      25000,
    ],
    // UNKNOWN does not count: DOWN 12 000 s, UNKNOWN 86 400 s, UP 2 493 600 s: 2 493 600 / 2 505 600 = 99.521 % → bonus: 25000
    [
      'UNKNOWN never counts against',
      '2027-04',
      operatorEvidence('2027-04', { nodes: [fullNode('n1', '2027-04', { down: 12_000, unknown: 86_400 })] }),
      ALL,
      25000,
    ],
    // exactly at the threshold: DOWN 12 960 s of 2 592 000 = 0.5 %, uptime exactly 99.5 %, not above: 15000 + 3000 + 2000 = 20000
    [
      'uptime exactly at 99.5 % earns nothing',
      '2027-04',
      operatorEvidence('2027-04', { nodes: [fullNode('n1', '2027-04', { down: 12_960 })] }),
      { ...ALL, uptime_bonus: 0 },
      20000,
    ],
    // one second less down: 2 579 041 / 2 592 000 = 99.50004 % > 99.5 %: 25000
    [
      'uptime just above 99.5 %',
      '2027-04',
      operatorEvidence('2027-04', { nodes: [fullNode('n1', '2027-04', { down: 12_959 })] }),
      ALL,
      25000,
    ],
    // 95 of 100 tasks is 95 %, not above: 25000 − 3000 = 22000
    [
      'tasks exactly at 95 % earn nothing',
      '2027-04',
      operatorEvidence('2027-04', { tasks: [{ sourceId: 'imp-1', assigned: 100, completed: 95 }] }),
      { ...ALL, task_bonus: 0 },
      22000,
    ],
    // two imports, 60/60 and 36/40: 96/100 = 96 % > 95 %: 25000
    [
      'tasks summed over imports, above 95 %',
      '2027-04',
      operatorEvidence('2027-04', {
        tasks: [
          { sourceId: 'imp-1', assigned: 60, completed: 60 },
          { sourceId: 'imp-2', assigned: 40, completed: 36 },
        ],
      }),
      ALL,
      25000,
    ],
    // no task import: no task bonus (counts are never guessed): 22000
    ['no task import', '2027-04', operatorEvidence('2027-04', { tasks: [] }), { ...ALL, task_bonus: 0 }, 22000],
    // acknowledged after exactly 30:00 counts as within 30 minutes: 25000
    [
      'ack at exactly 30 minutes',
      '2027-04',
      operatorEvidence('2027-04', { incidents: [incident('i1', '2027-04-03T10:00:00Z', '2027-04-03T10:30:00Z')] }),
      ALL,
      25000,
    ],
    // one of two acknowledged after 30:01: no ack bonus: 25000 − 2000 = 23000
    [
      'one ack one second late',
      '2027-04',
      operatorEvidence('2027-04', {
        incidents: [
          incident('i1', '2027-04-03T10:00:00Z', '2027-04-03T10:05:00Z'),
          incident('i2', '2027-04-09T10:00:00Z', '2027-04-09T10:30:01Z'),
        ],
      }),
      { ...ALL, ack_bonus: 0 },
      23000,
    ],
    // never acknowledged: 23000
    [
      'an incident never acknowledged',
      '2027-04',
      operatorEvidence('2027-04', { incidents: [incident('i1', '2027-04-03T10:00:00Z', null)] }),
      { ...ALL, ack_bonus: 0 },
      23000,
    ],
    // June ends a quarter; active since 2027-01-01 reaches 6 months on 2027-07-01, the day after the
    // quarter's last day: retained. 25000 + 10000 = 35000
    [
      'retention: 6 months exactly at the quarter end',
      '2027-06',
      operatorEvidence('2027-06', { operator: { activeSince: '2027-01-01' } }),
      { ...ALL, retention_bonus: 10000 },
      35000,
    ],
    // active since 2027-01-02: 6 months on 2027-07-02, after the quarter: 0 (the line says why): 25000
    [
      'retention: one day short',
      '2027-06',
      operatorEvidence('2027-06', { operator: { activeSince: '2027-01-02' } }),
      { ...ALL, retention_bonus: 0 },
      25000,
    ],
    // September: the next quarter's end, now past 6 months: 35000
    [
      'retention: the next quarter',
      '2027-09',
      operatorEvidence('2027-09', { operator: { activeSince: '2027-01-02' } }),
      { ...ALL, retention_bonus: 10000 },
      35000,
    ],
    // May is not a quarter's end: no retention line at all: 25000
    ['retention: not a quarter end', '2027-05', operatorEvidence('2027-05'), ALL, 25000],
    // exit on June 15 (30-day month): 15000×15/30 = 7500, 5000×15/30 = 2500, 3000×15/30 = 1500, 2000×15/30 = 1000;
    // retention 0 (left before the quarter's last day). 7500 + 2500 + 1500 + 1000 = 12500
    [
      'exit mid-month at a quarter end',
      '2027-06',
      operatorEvidence('2027-06', {
        operator: { lastActiveDay: '2027-06-15', lifecycle: 'exited' },
        nodes: [{ nodeId: 'n1', spans: [span('2027-06-01', null, {}, '2027-06-16')] }],
      }),
      { base: 7500, uptime_bonus: 2500, task_bonus: 1500, ack_bonus: 1000, retention_bonus: 0 },
      12500,
    ],
    // joined April 21: active 10 of 30 days: 15000/3 = 5000, 5000/3 = 1666.67 → 1667, 3000/3 = 1000, 2000/3 = 666.67 → 667
    // total 5000 + 1667 + 1000 + 667 = 8334
    [
      'joined mid-month',
      '2027-04',
      operatorEvidence('2027-04', {
        operator: { activeSince: '2027-04-21' },
        nodes: [{ nodeId: 'n1', spans: [span('2027-04-21', null, {}, '2027-05-01')] }],
      }),
      { base: 5000, uptime_bonus: 1667, task_bonus: 1000, ack_bonus: 667 },
      8334,
    ],
  ])('%s (%s)', (_name, month, evidence, lines, total) => {
    const st = run(month, evidence);
    expect(amounts(st.lines)).toEqual(lines);
    expect(st.totalCents).toBe(total);
  });

  it('shows each node with its owned days, state seconds and ratio', () => {
    const st = run(
      '2027-04',
      operatorEvidence('2027-04', {
        nodes: [
          fullNode('n1', '2027-04', { down: 12_000, unknown: 86_400 }),
          { nodeId: 'n2', spans: [span('2027-04-16', '2027-04-21', { maintenance: 3_600 })] },
        ],
      }),
    );
    expect(st.nodes).toEqual([
      {
        nodeId: 'n1',
        owned: [{ from: at('2027-04-01'), to: at('2027-05-01') }],
        ownedSeconds: 2_592_000,
        ownedDays: '30.00',
        upSeconds: 2_493_600,
        downSeconds: 12_000,
        unknownSeconds: 86_400,
        maintenanceSeconds: 0,
        uptimePct: '99.5210',
      },
      {
        nodeId: 'n2',
        owned: [{ from: at('2027-04-16'), to: at('2027-04-21') }],
        ownedSeconds: 432_000,
        ownedDays: '5.00',
        upSeconds: 428_400,
        downSeconds: 0,
        unknownSeconds: 0,
        maintenanceSeconds: 3_600,
        uptimePct: '100.0000',
      },
    ]);
    // operator: 2 922 000 UP / (2 922 000 + 12 000) = 99.5910 %
    expect(st.uptime).toEqual({
      upSeconds: 2_922_000,
      downSeconds: 12_000,
      unknownSeconds: 86_400,
      maintenanceSeconds: 3_600,
      uptimePct: '99.5910',
    });
  });

  it('cites the evidence behind each line', () => {
    const ev = operatorEvidence('2027-04', {
      nodes: [{ ...fullNode('n1', '2027-04', { down: 600 }), intervalsRef: 'intervals:n1:2027-04' }],
      incidents: [incident('i1', '2027-04-03T10:00:00Z', '2027-04-03T10:12:30Z')],
    });
    const st = run('2027-04', ev);
    const line = (code: string) => st.lines.find((l) => l.code === code)!;
    expect(line('uptime_bonus')).toMatchObject({
      reason: 'threshold_met',
      refs: {
        uptime: { upSeconds: 2_591_400, downSeconds: 600, uptimePct: '99.9768' },
        nodes: [{ nodeId: 'n1', upSeconds: 2_591_400, downSeconds: 600, intervalsRef: 'intervals:n1:2027-04' }],
      },
    });
    expect(line('ack_bonus').refs.incidents).toEqual([
      { id: 'i1', severity: 'P2', openedAt: at('2027-04-03T10:00:00Z'), acknowledgedAt: at('2027-04-03T10:12:30Z'), ackSeconds: 750 },
    ]);
    expect(line('task_bonus').refs.taskImports).toEqual([{ sourceId: 'tasks-2027-04', assigned: 100, completed: 100 }]);
    expect(line('retention_bonus')).toBeUndefined();
  });
});
