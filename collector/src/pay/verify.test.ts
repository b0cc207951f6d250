import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.ts';
import { computeStatement } from './engine.ts';
import { fullNode, operatorEvidence, shippedVersion } from './testkit.ts';
import { verifyStatement } from './verify.ts';

const version = shippedVersion('per-operator', '2027-04');
const evidence = operatorEvidence('2027-04', { nodes: [fullNode('n1', '2027-04', { down: 600 })] });
const stored = canonicalJson(computeStatement(version, evidence, '2027-04'));

describe('verifyStatement', () => {
  it('a statement recomputed from its evidence is identical', () => {
    expect(verifyStatement(stored, version, evidence, '2027-04')).toEqual({ ok: true, firstDifferentByte: null, differences: [] });
  });

  it('a tampered amount is found, with the byte and the paths', () => {
    const tampered = stored.replace('"amountCents":15000', '"amountCents":16000').replace('"totalCents":25000', '"totalCents":26000');
    const v = verifyStatement(tampered, version, evidence, '2027-04');
    expect(v.ok).toBe(false);
    expect(v.firstDifferentByte).toBe(stored.indexOf('"amountCents":15000') + '"amountCents":1'.length);
    expect(v.differences).toEqual([
      { path: 'lines[0].amountCents', stored: 16000, recomputed: 15000 },
      { path: 'totalCents', stored: 26000, recomputed: 25000 },
    ]);
  });

  it('other evidence shows as a different digest and figures', () => {
    const other = operatorEvidence('2027-04', { nodes: [fullNode('n1', '2027-04', { down: 601 })] });
    const paths = verifyStatement(stored, version, other, '2027-04').differences.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['evidenceDigest', 'nodes[0].downSeconds', 'uptime.downSeconds']));
  });

  it('a line that is missing is reported', () => {
    const st = JSON.parse(stored);
    st.lines.pop();
    expect(verifyStatement(canonicalJson(st), version, evidence, '2027-04').differences[0]).toEqual({
      path: 'lines.length',
      stored: 3,
      recomputed: 4,
    });
  });

  it('text that is not JSON is reported whole', () => {
    expect(verifyStatement('garbage', version, evidence, '2027-04')).toMatchObject({
      ok: false,
      firstDifferentByte: 0,
      differences: [{ path: '(root)', stored: 'garbage' }],
    });
  });
});
