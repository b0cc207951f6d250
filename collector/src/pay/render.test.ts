import { describe, expect, it } from 'vitest';
import { computeStatement } from './engine.ts';
import { csvField, statementsCsv } from './render-csv.ts';
import { duration, statementMarkdown } from './render-markdown.ts';
import { fullNode, operatorEvidence, shippedVersion, span } from './testkit.ts';

const month = '2027-04';
const version = shippedVersion('per-operator', month);
const alice = computeStatement(
  version,
  operatorEvidence(month, { nodes: [fullNode('n1', month, { down: 600, unknown: 60, maintenance: 3_600 })] }),
  month,
);
const bob = computeStatement(
  version,
  operatorEvidence(month, {
    operator: { id: 'bob', lastActiveDay: '2027-04-10' },
    nodes: [{ nodeId: 'n2', spans: [span('2027-04-01', '2027-04-11')] }],
  }),
  month,
);

describe('CSV for finance', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['-5', "'-5"],
  ])('quotes %j as %s', (raw, out) => {
    expect(csvField(raw)).toBe(out);
  });

  it('numbers are written as they are', () => {
    expect(csvField(-500)).toBe('-500');
  });

  it('one row per line item across statements, CRLF line ends', () => {
    const csv = statementsCsv([alice, bob]);
    const rows = csv.split('\r\n');
    expect(rows.at(-1)).toBe('');
    expect(rows[0]).toBe(
      'month,subject_kind,subject_id,policy_id,policy_version,engine_version,evidence_sha256,line_code,kind,reason,node_id,referred_operator_id,amount_cents,amount,currency,formula',
    );
    expect(rows.length - 2).toBe(alice.lines.length + bob.lines.length);
    // bob: 10 of 30 active days: 15000 × 10/30 = 5000
    expect(rows.find((r) => r.startsWith('2027-04,operator,bob,') && r.includes(',base,'))).toBe(
      `2027-04,operator,bob,per-operator,2026-01,pay-engine/1,${bob.evidenceDigest},base,operator_base,prorated_active_days,,,5000,50.00,USD,15000¢ × 10/30 active days`,
    );
    const amounts = rows.slice(1, -1).map((r) => Number(r.split(',')[12]));
    expect(amounts.reduce((a, b) => a + b, 0)).toBe(alice.totalCents + bob.totalCents);
  });
});

describe('Markdown for the operator', () => {
  it('shows the nodes, each line with its arithmetic, and the total', () => {
    const md = statementMarkdown(bob);
    expect(md).toContain('# Pay statement 2027-04: operator bob (certified, certified)');
    expect(md).toContain('- Active since 2026-01-01, last active day 2027-04-10: 10 of 30 days this month');
    expect(md).toContain('| n2 | 10.00 | 10d 00:00:00 | 00:00:00 | 00:00:00 | 00:00:00 | 100.0000 % |');
    expect(md).toContain('| Base (up to 5 nodes) |  | prorated_active_days | $50.00 | 15000¢ × 10/30 active days |');
    // 5000 + 5000×10/30 = 1666.67 → 1667 + 3000×10/30 = 1000 + 2000×10/30 = 666.67 → 667: 8334
    expect(md).toContain('**Total: $83.34**');
  });

  it('escapes table cells', () => {
    const odd = { ...alice, lines: [{ ...alice.lines[0]!, formula: 'a | b\nc' }] };
    expect(statementMarkdown(odd)).toContain('| a \\| b c |');
  });

  it.each([
    [0, '00:00:00'],
    [3_661, '01:01:01'],
    [86_400 + 60, '1d 00:01:00'],
  ])('duration %i s → %s', (s, out) => {
    expect(duration(s)).toBe(out);
  });
});
