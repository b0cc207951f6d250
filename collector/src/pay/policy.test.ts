import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeStatement } from './engine.ts';
import { PayPolicyError } from './errors.ts';
import { loadPolicy, policyChangeProblems, policyFor } from './policy.ts';
import { POLICY_DIR, operatorEvidence, shippedPolicy } from './testkit.ts';

const problemsOf = (text: string) => {
  try {
    loadPolicy(text);
  } catch (e) {
    expect(e).toBeInstanceOf(PayPolicyError);
    expect((e as PayPolicyError).code).toBe('FLEET_PAY_POLICY_INVALID');
    return (e as PayPolicyError).problems;
  }
  throw new Error('the policy loaded');
};

const VERSIONED = `
policy: demo
currency: USD
versions:
  - id: v1
    effectiveFrom: 2026-01
    tiers: [certified]
    lines:
      - { code: base, kind: operator_base, amountCents: 15000 }
  - id: v2
    effectiveFrom: 2026-07
    tiers: [certified]
    lines:
      - { code: base, kind: operator_base, amountCents: 17500 }
`;

describe('loading a pay policy', () => {
  it.each(readdirSync(POLICY_DIR).filter((f) => f.endsWith('.yaml')))('the shipped %s loads', (file) => {
    const policy = shippedPolicy(file.replace(/\.yaml$/, ''));
    expect(policy.versions.length).toBeGreaterThan(0);
    for (const v of policy.versions) expect(v.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('applies parameter defaults', () => {
    const line = policyFor(shippedPolicy('per-operator'), '2026-01').lines.find((l) => l.code === 'uptime_bonus')!;
    expect(line.params).toMatchObject({ comparison: 'above', prorate: true });
  });

  it('lists every problem with its path, not just the first', () => {
    const problems = problemsOf(`
policy: demo
currency: USD
versions:
  - id: v1
    effectiveFrom: 2026-01
    tiers: [certified, senior]
    lines:
      - { code: base, kind: operator_base, amountCents: 150.5 }
      - { code: base, kind: node_base, amountCents: 100 }
      - { code: bonus, kind: uptime_bonus, tiers: [gold], thresholds: [{ uptimePct: 99.9999, amountCents: 5000 }] }
      - { code: cut, kind: downtime_deduction, targetPct: 99.5, basisCodes: [later] }
      - { code: nope, kind: no_such_kind }
      - { code: extra, kind: extra_nodes, perNodeCents: 2500, includedNodes: 5, maxNodes: 4, colour: red }
      - { code: later, kind: node_base, amountCents: 1 }
      - { code: comm, kind: referral_commission, ratePct: 20, months: 12, minQualifyingReferrals: 2, ofCodes: [base, missing] }
    eligibility:
      promotions: [{ from: certified, to: fleet_lead, months: 6, atOrAbovePct: 99.7 }]
  - id: v1
    effectiveFrom: 2025-12
    tiers: [certified]
    lines: []
`);
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        'versions[0].lines[0].amountCents',
        'versions[0].lines[1].code',
        'versions[0].lines[2].tiers[0]',
        'versions[0].lines[2].thresholds[0].uptimePct',
        'versions[0].lines[3].basisCodes[0]',
        'versions[0].lines[4].kind',
        'versions[0].lines[5].colour',
        'versions[0].lines[7].ofCodes[1]',
        'versions[0].eligibility.promotions[0].to',
        'versions[1].id',
        'versions[1].effectiveFrom',
      ]),
    );
    expect(problems.find((p) => p.path === 'versions[0].lines[5].colour')).toBeDefined();
    expect(problems.find((p) => p.path === 'versions[0].lines[3].basisCodes[0]')!.message).toMatch(/no earlier line has code later/);
    expect(problems.find((p) => p.path === 'versions[0].lines[2].thresholds[0].uptimePct')!.message).toMatch(/3 decimals/);
  });

  it('lists the problems of the lines even when the top level has some too', () => {
    const problems = problemsOf(`
policy: demo
currency: dollars
versions:
  - { id: v1, effectiveFrom: 2026-01, tiers: [certified], lines: [{ code: base, kind: operator_base, amountCents: -1 }] }
  - { id: v2, effectiveFrom: 2026-13, tiers: [certified], lines: [] }
`);
    expect(problems.map((p) => p.path)).toEqual(['currency', 'versions[1].effectiveFrom', 'versions[0].lines[0].amountCents']);
  });

  it('reports a cross-field rule of a kind', () => {
    const problems = problemsOf(`
policy: demo
currency: USD
versions:
  - { id: v1, effectiveFrom: 2026-01, tiers: [certified], lines: [{ code: extra, kind: extra_nodes, perNodeCents: 2500, includedNodes: 5, maxNodes: 4 }] }
`);
    expect(problems).toEqual([{ path: 'versions[0].lines[0].maxNodes', message: 'is below includedNodes (5)' }]);
  });

  it('reports YAML syntax errors with a line number', () => {
    const problems = problemsOf('policy: demo\ncurrency: USD\nversions:\n  - id: [unclosed\n');
    expect(problems[0]!.path).toMatch(/^policy:\d+$/);
  });

  it('reports the top level', () => {
    expect(problemsOf('policy: Demo\nversions: []\n').map((p) => p.path)).toEqual(
      expect.arrayContaining(['policy', 'currency', 'versions']),
    );
  });
});

describe('the version in force', () => {
  const policy = loadPolicy(VERSIONED);

  it.each([
    ['2026-01', 'v1'],
    ['2026-06', 'v1'],
    ['2026-07', 'v2'],
    ['2030-01', 'v2'],
  ])('%s uses %s', (month, id) => {
    expect(policyFor(policy, month).id).toBe(id);
  });

  it('no version before the first', () => {
    expect(() => policyFor(policy, '2025-12')).toThrow(/no version of demo is in force in 2025-12/);
  });

  it('a closed month keeps its version: June is computed with v1 after v2 exists', () => {
    const st = computeStatement(policyFor(policy, '2026-06'), operatorEvidence('2026-06'), '2026-06');
    expect(st.policy).toMatchObject({ id: 'demo', version: 'v1' });
    expect(st.totalCents).toBe(15000);
    const july = computeStatement(policyFor(policy, '2026-07'), operatorEvidence('2026-07'), '2026-07');
    expect([july.policy.version, july.totalCents]).toEqual(['v2', 17500]);
  });

  it('the engine refuses a version not yet in force', () => {
    expect(() => computeStatement(policy.versions[1]!, operatorEvidence('2026-06'), '2026-06')).toThrow(
      /takes effect 2026-07, after 2026-06/,
    );
  });

  it.each<[string, string, string, RegExp | null]>([
    [
      'adding a version for an open month',
      VERSIONED + '  - { id: v3, effectiveFrom: 2026-09, tiers: [certified], lines: [] }\n',
      '2026-08',
      null,
    ],
    [
      'adding a version for a closed month',
      VERSIONED + '  - { id: v3, effectiveFrom: 2026-09, tiers: [certified], lines: [] }\n',
      '2026-09',
      /a new version cannot take effect in a closed month/,
    ],
    [
      'changing a version in force in a closed month',
      VERSIONED.replace('17500', '18000'),
      '2026-07',
      /v2 was in force in a closed month .* cannot change/,
    ],
    ['changing a version not yet used', VERSIONED.replace('17500', '18000'), '2026-06', null],
    ['removing a version in force in a closed month', VERSIONED.split('  - id: v2')[0]!, '2026-07', /v2 .* cannot be removed/],
  ])('%s', (_name, next, closedThrough, refused) => {
    const problems = policyChangeProblems(policy, loadPolicy(next), closedThrough);
    if (refused) expect(problems.map((p) => p.message).join('\n')).toMatch(refused);
    else expect(problems).toEqual([]);
  });
});
