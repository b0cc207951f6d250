import { describe, expect, it } from 'vitest';
import { computeStatement } from '../pay/engine.ts';
import { amounts, at, operatorEvidence, shippedVersion } from '../pay/testkit.ts';
import {
  nodeEvidence,
  ownerAt,
  withinActivePeriod,
  ownershipSpans,
  transferProblems,
  type NodeOwnership,
  type Transfer,
} from './ownership.ts';

const node = (registeredAt: string, ...transfers: Array<[string | null, string]>): NodeOwnership => ({
  nodeId: 'n6',
  registeredAt: at(registeredAt),
  transfers: transfers.map(([to, when]): Transfer => ({ to, at: at(when) })),
});
const DAY = 86_400;

describe('transferProblems', () => {
  it.each([
    ['a valid history', node('2027-01-10', ['alice', '2027-01-10'], ['bob', '2027-04-16'], [null, '2027-06-01']), []],
    ['a transfer before registration', node('2027-01-10', ['alice', '2027-01-09']), [['transfers[0].at', 'before_registration']]],
    [
      'two transfers at the same instant',
      node('2027-01-10', ['alice', '2027-01-10'], ['bob', '2027-04-16'], ['carol', '2027-04-16']),
      [['transfers[2].at', 'overlap']],
    ],
    ['out of order', node('2027-01-10', ['alice', '2027-03-01'], ['bob', '2027-02-01']), [['transfers[1].at', 'overlap']]],
    ['a transfer to the owner', node('2027-01-10', ['alice', '2027-01-10'], ['alice', '2027-02-01']), [['transfers[1].to', 'no_change']]],
    [
      'not a whole second',
      { ...node('2027-01-10'), transfers: [{ to: 'alice', at: at('2027-01-10') + 500 }] },
      [['transfers[0].at', 'not_whole_second']],
    ],
    ['no transfer at all', node('2027-01-10'), [['transfers', 'too_few']]],
    [
      'several problems at once',
      node('2027-01-10', ['alice', '2027-01-01'], ['alice', '2027-01-01']),
      [
        ['transfers[0].at', 'before_registration'],
        ['transfers[1].at', 'before_registration'],
        ['transfers[1].at', 'overlap'],
        ['transfers[1].to', 'no_change'],
      ],
    ],
    ['a NUL byte in an operator id', node('2027-01-10', ['ali\u0000ce', '2027-01-10']), [['transfers[0].to', 'nul_byte']]],
  ] as Array<[string, NodeOwnership, string[][]]>)('%s', (_name, n, problems) => {
    expect(transferProblems(n).map((p) => [p.path, p.code])).toEqual(problems);
  });

  it('spans of an invalid history are refused with every problem', () => {
    expect(() => ownershipSpans(node('2027-01-10', ['alice', '2027-01-01']), '2027-04')).toThrow(
      /transfers\[0\]\.at \[before_registration\]/,
    );
  });
});

describe('ownershipSpans: April 2027 (30 days, 2 592 000 s)', () => {
  it.each([
    [
      'one owner all month',
      node('2026-12-01', ['alice', '2026-12-01']),
      [{ operatorId: 'alice', spans: [['2027-04-01', null]], ownedSeconds: 30 * DAY }],
    ],
    [
      'transfer mid-month (April 16 00:00): 15 days each',
      node('2026-12-01', ['alice', '2026-12-01'], ['bob', '2027-04-16']),
      [
        { operatorId: 'alice', spans: [['2027-04-01', '2027-04-16']], ownedSeconds: 15 * DAY },
        { operatorId: 'bob', spans: [['2027-04-16', null]], ownedSeconds: 15 * DAY },
      ],
    ],
    [
      'registered April 10: 21 days',
      node('2027-04-10', ['alice', '2027-04-10']),
      [{ operatorId: 'alice', spans: [['2027-04-10', null]], ownedSeconds: 21 * DAY }],
    ],
    [
      'several transfers, back to the first owner: 4 + 6, 15.5 and 4.5 days',
      node('2026-12-01', ['alice', '2026-12-01'], ['bob', '2027-04-05'], ['carol', '2027-04-20T12:00:00Z'], ['alice', '2027-04-25']),
      [
        {
          operatorId: 'alice',
          spans: [
            ['2027-04-01', '2027-04-05'],
            ['2027-04-25', null],
          ],
          ownedSeconds: 10 * DAY,
        },
        { operatorId: 'bob', spans: [['2027-04-05', '2027-04-20T12:00:00Z']], ownedSeconds: 15.5 * DAY },
        { operatorId: 'carol', spans: [['2027-04-20T12:00:00Z', '2027-04-25']], ownedSeconds: 4.5 * DAY },
      ],
    ],
    [
      'transfer at the first instant of the month: the old owner has nothing',
      node('2027-03-10', ['alice', '2027-03-10'], ['bob', '2027-04-01']),
      [{ operatorId: 'bob', spans: [['2027-04-01', null]], ownedSeconds: 30 * DAY }],
    ],
    [
      'transfer at the first instant of the next month: the old owner has all of it, ended',
      node('2027-03-10', ['alice', '2027-03-10'], ['bob', '2027-05-01']),
      [{ operatorId: 'alice', spans: [['2027-04-01', '2027-05-01']], ownedSeconds: 30 * DAY }],
    ],
    [
      'released April 20',
      node('2026-12-01', ['alice', '2026-12-01'], [null, '2027-04-20']),
      [{ operatorId: 'alice', spans: [['2027-04-01', '2027-04-20']], ownedSeconds: 19 * DAY }],
    ],
    [
      'a transfer in June leaves April alone',
      node('2026-12-01', ['alice', '2026-12-01'], ['bob', '2027-06-01']),
      [{ operatorId: 'alice', spans: [['2027-04-01', null]], ownedSeconds: 30 * DAY }],
    ],
    ['released before the month', node('2026-12-01', ['alice', '2026-12-01'], [null, '2027-03-31T23:59:59Z']), []],
    ['registered after the month', node('2027-05-02', ['alice', '2027-05-02']), []],
  ] as Array<[string, NodeOwnership, Array<{ operatorId: string; spans: Array<[string, string | null]>; ownedSeconds: number }>]>)(
    '%s',
    (_name, n, expected) => {
      const got = ownershipSpans(n, '2027-04');
      expect(got).toEqual(
        expected.map((e) => ({ ...e, spans: e.spans.map(([from, to]) => ({ from: at(from), to: to === null ? null : at(to) })) })),
      );
    },
  );

  it("March of the month-boundary transfer: the span ends at the month's end, 22 days", () => {
    expect(ownershipSpans(node('2027-03-10', ['alice', '2027-03-10'], ['bob', '2027-04-01']), '2027-03')).toEqual([
      { operatorId: 'alice', spans: [{ from: at('2027-03-10'), to: at('2027-04-01') }], ownedSeconds: 22 * DAY },
    ]);
  });

  it.each([
    ['2027-04-15T23:59:59Z', 'alice'],
    ['2027-04-16', 'bob'],
    ['2027-06-01', null],
    ['2026-11-30', null],
  ])('ownerAt %s → %s', (t, owner) => {
    expect(ownerAt(node('2026-12-01', ['alice', '2026-12-01'], ['bob', '2027-04-16'], [null, '2027-06-01']), at(t))).toBe(owner);
  });
});

describe('ownership feeds the pay engine', () => {
  it('a node transferred mid-month: the two statements split the month (per-node-tier policy)', () => {
    const month = '2027-04';
    const n6 = node('2026-12-01', ['alice', '2026-12-01'], ['bob', '2027-04-16']);
    // The node was DOWN on April 20, 10:00-12:00 (Bob's half); UP otherwise.
    const down = { from: at('2027-04-20T10:00:00Z'), to: at('2027-04-20T12:00:00Z') };
    const states = (from: number, to: number) => {
      const downSeconds = Math.max(0, Math.min(to, down.to) - Math.max(from, down.from)) / 1000;
      return { upSeconds: (to - from) / 1000 - downSeconds, downSeconds, unknownSeconds: 0, maintenanceSeconds: 0 };
    };
    const [alice, bob] = ownershipSpans(n6, month);
    const version = shippedVersion('per-node-tier', month);
    const aliceSt = computeStatement(
      version,
      operatorEvidence(month, { operator: { id: 'alice', tier: 'certified' }, nodes: [nodeEvidence('n6', alice!, month, states)] }),
      month,
    );
    const bobSt = computeStatement(
      version,
      operatorEvidence(month, {
        operator: { id: 'bob', tier: 'senior', lifecycle: 'senior' },
        nodes: [nodeEvidence('n6', bob!, month, states)],
      }),
      month,
    );

    expect(aliceSt.nodes[0]!.ownedSeconds + bobSt.nodes[0]!.ownedSeconds).toBe(30 * DAY);
    expect([aliceSt.nodes[0]!.ownedSeconds, bobSt.nodes[0]!.ownedSeconds]).toEqual([15 * DAY, 15 * DAY]);
    // Alice, certified: $500 × 15/30 = $250; uptime 100 % > 99.5 %: +$200.
    expect(amounts(aliceSt.lines)).toEqual({ node_base: 25000, uptime_bonus: 20000 });
    // Bob, senior: $800 × 15/30 = $400; uptime (1 296 000 − 7 200) / 1 296 000 = 99.4444 %, not above 99.8 %: $0.
    expect(amounts(bobSt.lines)).toEqual({ node_base_senior: 40000, uptime_bonus_senior: 0 });
    expect(bobSt.uptime).toMatchObject({ upSeconds: 1_288_800, downSeconds: 7_200 });
  });
});

describe('withinActivePeriod', () => {
  const month = '2027-04';
  const alice = (n: NodeOwnership) => ownershipSpans(n, month).find((o) => o.operatorId === 'alice')!;
  it.each([
    [
      'active all month: unchanged',
      node('2026-12-01', ['alice', '2026-12-01']),
      { activeSince: '2026-12-01', lastActiveDay: null },
      [['2027-04-01', null]],
      30 * DAY,
    ],
    [
      'last active day April 15, node handed over April 20: cut at April 16 00:00',
      node('2026-12-01', ['alice', '2026-12-01'], ['bob', '2027-04-20']),
      { activeSince: '2026-12-01', lastActiveDay: '2027-04-15' },
      [['2027-04-01', '2027-04-16']],
      15 * DAY,
    ],
    [
      'last active day April 15, still listed: cut, and ended explicitly',
      node('2026-12-01', ['alice', '2026-12-01']),
      { activeSince: '2026-12-01', lastActiveDay: '2027-04-15' },
      [['2027-04-01', '2027-04-16']],
      15 * DAY,
    ],
    [
      'released before the last active day: unchanged',
      node('2026-12-01', ['alice', '2026-12-01'], [null, '2027-04-10']),
      { activeSince: '2026-12-01', lastActiveDay: '2027-04-15' },
      [['2027-04-01', '2027-04-10']],
      9 * DAY,
    ],
    [
      'active from April 11, node assigned before (during training): from April 11',
      node('2027-04-02', ['alice', '2027-04-02']),
      { activeSince: '2027-04-11', lastActiveDay: null },
      [['2027-04-11', null]],
      20 * DAY,
    ],
    [
      'last active day the last of the month: still owned stays open',
      node('2026-12-01', ['alice', '2026-12-01']),
      { activeSince: '2026-12-01', lastActiveDay: '2027-04-30' },
      [['2027-04-01', null]],
      30 * DAY,
    ],
    [
      'last active day in March: nothing in April',
      node('2026-12-01', ['alice', '2026-12-01'], ['bob', '2027-04-20']),
      { activeSince: '2026-12-01', lastActiveDay: '2027-03-31' },
      [],
      0,
    ],
  ] as Array<[string, NodeOwnership, { activeSince: string; lastActiveDay: string | null }, Array<[string, string | null]>, number]>)(
    '%s',
    (_name, n, op, spans, seconds) => {
      expect(withinActivePeriod(alice(n), month, op)).toEqual({
        operatorId: 'alice',
        spans: spans.map(([from, to]) => ({ from: at(from), to: to === null ? null : at(to) })),
        ownedSeconds: seconds,
      });
    },
  );

  it('an exit before the hand-over: the cut spans are evidence the engine accepts, the uncut ones are not', () => {
    const n6 = node('2026-12-01', ['alice', '2026-12-01'], ['bob', '2027-04-20']);
    const op = { activeSince: '2026-12-01', lastActiveDay: '2027-04-15' };
    const up = (from: number, to: number) => ({ upSeconds: (to - from) / 1000, downSeconds: 0, unknownSeconds: 0, maintenanceSeconds: 0 });
    const evidence = (o: ReturnType<typeof alice>) =>
      operatorEvidence(month, { operator: { id: 'alice', ...op }, nodes: [nodeEvidence('n6', o, month, up)] });
    const version = shippedVersion('per-node-tier', month);
    expect(() => computeStatement(version, evidence(alice(n6)), month)).toThrow(/ends after the operator's active period/);
    const st = computeStatement(version, evidence(withinActivePeriod(alice(n6), month, op)), month);
    // $500 × 15/30 = $250; the uptime bonus pro-rated by 15 active days of 30: $200 × 15/30 = $100.
    expect(amounts(st.lines)).toEqual({ node_base: 25000, uptime_bonus: 10000 });
  });
});
