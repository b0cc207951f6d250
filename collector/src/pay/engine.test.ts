import { describe, expect, it } from 'vitest';
import { canonicalJson, digestOf } from './canonical.ts';
import { ENGINE_VERSION, computeStatement } from './engine.ts';
import { PayEvidenceError } from './errors.ts';
import type { Evidence } from './evidence.ts';
import { Statement } from './statement.ts';
import { checker } from '@timmy/shared';
import { at, fullNode, fullNodes, operatorEvidence, shippedVersion, span } from './testkit.ts';

const version = shippedVersion('per-operator', '2027-04');
const problemsOf = (ev: unknown, month = '2027-04') => {
  try {
    computeStatement(version, ev as Evidence, month);
  } catch (e) {
    expect(e).toBeInstanceOf(PayEvidenceError);
    expect((e as PayEvidenceError).code).toBe('FLEET_PAY_EVIDENCE_INVALID');
    return (e as PayEvidenceError).problems;
  }
  throw new Error('the evidence was accepted');
};

describe('computeStatement', () => {
  it('records the engine version, the policy version and digest, and the digest of the evidence', () => {
    const ev = operatorEvidence('2027-04', { nodes: fullNodes(3, '2027-04') });
    const st = computeStatement(version, ev, '2027-04');
    expect(st).toMatchObject({
      engineVersion: ENGINE_VERSION,
      policy: { id: 'per-operator', version: '2026-01', digest: version.digest },
      currency: 'USD',
      month: '2027-04',
      evidenceDigest: digestOf(ev),
    });
    expect(checker(Statement).problems(st)).toEqual([]);
  });

  it('is byte-stable: the same inputs give the same canonical JSON, whatever the order of nodes', () => {
    const ev = operatorEvidence('2027-04', { nodes: [fullNode('n2', '2027-04', { down: 77 }), fullNode('n1', '2027-04')] });
    const reordered = { ...ev, nodes: [...ev.nodes].reverse() };
    const a = canonicalJson(computeStatement(version, ev, '2027-04'));
    expect(canonicalJson(computeStatement(version, structuredClone(ev), '2027-04'))).toBe(a);
    const b = computeStatement(version, reordered, '2027-04');
    expect(canonicalJson({ ...b, evidenceDigest: '' })).toBe(canonicalJson({ ...JSON.parse(a), evidenceDigest: '' }));
  });

  it('a changed second of evidence changes the digest', () => {
    const a = computeStatement(version, operatorEvidence('2027-04', { nodes: [fullNode('n1', '2027-04', { down: 10 })] }), '2027-04');
    const b = computeStatement(version, operatorEvidence('2027-04', { nodes: [fullNode('n1', '2027-04', { down: 11 })] }), '2027-04');
    expect(a.evidenceDigest).not.toBe(b.evidenceDigest);
    expect(a.totalCents).toBe(b.totalCents);
  });

  it('lists every inconsistency of the evidence', () => {
    const ev = operatorEvidence('2027-04', {
      operator: { lastActiveDay: '2027-04-20' },
      nodes: [
        { nodeId: 'n1', spans: [span('2027-04-01', '2027-04-11'), span('2027-04-10', '2027-04-15')] },
        { nodeId: 'n2', spans: [span('2027-03-31', '2027-04-02')] },
        { nodeId: 'n3', spans: [span('2027-04-02', '2027-04-03', { up: 86_400, down: 1 })] },
        { nodeId: 'n4', spans: [span('2027-04-02', null, {}, '2027-04-21')] },
        { nodeId: 'n5', spans: [span('2027-04-15', '2027-04-25')] },
        { nodeId: 'n1', spans: [{ ...span('2027-04-02', '2027-04-03'), from: at('2027-04-02') + 500 }] },
      ],
      tasks: [
        { sourceId: 'a', assigned: 1, completed: 2 },
        { sourceId: 'a', assigned: 1, completed: 1 },
      ],
      incidents: [{ id: 'i1', severity: 'P2', openedAt: at('2027-05-01'), acknowledgedAt: at('2027-04-30') }],
    });
    expect(problemsOf(ev).map((p) => p.path)).toEqual([
      'nodes[0].spans[1]', // overlaps
      'nodes[1].spans[0].from', // before the month
      'nodes[2].spans[0]', // more state time than owned
      'nodes[4].spans[0].to', // after the last active day
      'nodes[5].nodeId', // listed twice
      'nodes[5].spans[0]', // not whole seconds
      'nodes[5].spans[0]', // holds more state time than ownership
      'tasks[0]',
      'tasks[1].sourceId',
      'incidents[0].openedAt',
      'incidents[0].acknowledgedAt',
    ]);
  });

  it('takes identifiers as any printable text, and refuses control characters', () => {
    const st = computeStatement(
      version,
      operatorEvidence('2027-04', { operator: { id: 'Alice Smith' }, nodes: [fullNode('node 7 (fra1)', '2027-04')] }),
      '2027-04',
    );
    expect([st.subject.id, st.nodes[0]!.nodeId]).toEqual(['Alice Smith', 'node 7 (fra1)']);
    expect(problemsOf(operatorEvidence('2027-04', { nodes: [fullNode('bad\nname', '2027-04')] })).map((p) => p.path)).toEqual([
      'nodes[0].nodeId',
    ]);
  });

  it('reports schema problems with their paths', () => {
    const ev = {
      ...operatorEvidence('2027-04'),
      extra: 1,
      operator: { id: 'alice', tier: 'certified', lifecycle: 'certified', activeSince: '2027-4-1', lastActiveDay: null },
    };
    expect(problemsOf(ev).map((p) => p.path)).toEqual(expect.arrayContaining(['extra', 'operator.activeSince']));
    expect(problemsOf({ subject: 'robot' })).toEqual([{ path: 'subject', message: 'expected "operator" or "partner"' }]);
  });

  it('checks that referred statements belong to the month and to a referral', () => {
    const other = computeStatement(
      shippedVersion('per-operator', '2027-03'),
      operatorEvidence('2027-03', { operator: { id: 'op1' } }),
      '2027-03',
    );
    const stranger = computeStatement(version, operatorEvidence('2027-04', { operator: { id: 'op9' } }), '2027-04');
    const ev = {
      subject: 'partner',
      partner: { id: 'p' },
      referrals: [{ operatorId: 'op1', referredOn: '2026-01-01', qualifying: true }],
      referredStatements: [other, stranger],
    };
    expect(problemsOf(ev).map((p) => p.path)).toEqual(['referredStatements[0].month', 'referredStatements[1].subject.id']);
  });

  it('a still-owned node of an exiting operator ends with the last active day', () => {
    const ev = operatorEvidence('2027-04', {
      operator: { lastActiveDay: '2027-04-05' },
      nodes: [{ nodeId: 'n1', spans: [span('2027-04-01', null, { up: 400_000 })] }],
    });
    const st = computeStatement(version, ev, '2027-04');
    expect(st.nodes[0]).toMatchObject({
      owned: [{ from: at('2027-04-01'), to: at('2027-04-06') }],
      ownedSeconds: 432_000,
      ownedDays: '5.00',
    });
    expect(st.activeDays).toEqual({ days: 5, of: 30 });
  });
});
