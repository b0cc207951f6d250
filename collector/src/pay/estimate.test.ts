import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.ts';
import { computeStatement } from './engine.ts';
import { estimateStatement, projectEvidence } from './estimate.ts';
import type { OperatorEvidence } from './evidence.ts';
import { amounts, at, fullNode, fullNodes, operatorEvidence, shippedVersion, span } from './testkit.ts';

const version = shippedVersion('per-operator', '2027-04');

describe('the live estimate', () => {
  it.each([
    ['at the month end', at('2027-05-01')],
    ['a week after the month end', at('2027-05-08')],
  ])('of a finished month equals its statement, byte for byte (%s)', (_name, now) => {
    const ev = operatorEvidence('2027-04', {
      nodes: [
        ...fullNodes(6, '2027-04'),
        fullNode('n07', '2027-04', { down: 20_000, unknown: 3_600, maintenance: 7_200 }),
        { nodeId: 'n08', spans: [span('2027-04-10', '2027-04-20', { down: 500 })] },
      ],
      incidents: [{ id: 'i1', severity: 'P2', openedAt: at('2027-04-03T10:00:00Z'), acknowledgedAt: at('2027-04-03T10:10:00Z') }],
    });
    const estimate = estimateStatement(version, ev, '2027-04', now);
    expect(estimate.final).toBe(true);
    expect(canonicalJson(estimate.statement)).toBe(canonicalJson(computeStatement(version, ev, '2027-04')));
  });

  // April 2027, read at April 16 00:00 (15 of 30 days gone). One node still owned: so far 1 290 000 s UP and
  // 6 000 s DOWN (99.537 %). The remaining 1 296 000 s split in that proportion: DOWN +6 000, UP +1 290 000,
  // projected 2 580 000 / 2 592 000 = 99.537 % > 99.5 %: 15000 + 5000 + 2000 (no task import yet: 0) = 22000
  const soFar: OperatorEvidence = operatorEvidence('2027-04', {
    tasks: [],
    nodes: [{ nodeId: 'n1', spans: [span('2027-04-01', null, { up: 1_290_000, down: 6_000 })] }],
  });

  it('projects the rest of the month at the proportion so far', () => {
    const projected = projectEvidence(soFar, '2027-04', at('2027-04-16')) as OperatorEvidence;
    expect(projected.nodes[0]!.spans[0]).toMatchObject({ upSeconds: 2_580_000, downSeconds: 12_000, unknownSeconds: 0 });
    const estimate = estimateStatement(version, soFar, '2027-04', at('2027-04-16'));
    expect(estimate.final).toBe(false);
    expect(amounts(estimate.statement.lines)).toEqual({ base: 15000, uptime_bonus: 5000, task_bonus: 0, ack_bonus: 2000 });
    expect(estimate.statement.totalCents).toBe(22000);
  });

  it('projects a span only to its own end, and nothing observed as UNKNOWN', () => {
    const ev = operatorEvidence('2027-04', {
      nodes: [
        // transferred away on April 21: 5 days left after April 16 = 432 000 s, all UP as so far
        { nodeId: 'n1', spans: [span('2027-04-01', '2027-04-21', { up: 1_296_000 })] },
        // transferred in on April 18, after the reading: 13 days = 1 123 200 s, nothing known yet
        { nodeId: 'n2', spans: [span('2027-04-18', null, { up: 0 })] },
      ],
    });
    const projected = projectEvidence(ev, '2027-04', at('2027-04-16')) as OperatorEvidence;
    expect(projected.nodes.map((n) => n.spans[0])).toMatchObject([
      { upSeconds: 1_728_000, downSeconds: 0, unknownSeconds: 0 },
      { upSeconds: 0, downSeconds: 0, unknownSeconds: 1_123_200 },
    ]);
  });

  it('never projects more time than a span has left unaccounted for', () => {
    // states already cover the whole span (e.g. read late): nothing is added, no evidence error
    const ev = operatorEvidence('2027-04', { nodes: [fullNode('n1', '2027-04', { down: 100 })] });
    const estimate = estimateStatement(version, ev, '2027-04', at('2027-04-16'));
    expect(canonicalJson(estimate.statement)).toBe(canonicalJson(computeStatement(version, ev, '2027-04')));
  });
});
