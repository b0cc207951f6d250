/**
 * Statements as CSV for finance: one row per line item, across any number of statements (RFC 4180:
 * CRLF line ends, fields quoted when they hold a comma, quote, CR or LF; quotes doubled). Text that a
 * spreadsheet would run as a formula (starting with = + - @ or a tab) is prefixed with an apostrophe.
 */
import { formatCents } from './money.ts';
import type { Statement } from './statement.ts';

export const CSV_COLUMNS = [
  'month',
  'subject_kind',
  'subject_id',
  'policy_id',
  'policy_version',
  'engine_version',
  'evidence_sha256',
  'line_code',
  'kind',
  'reason',
  'node_id',
  'referred_operator_id',
  'amount_cents',
  'amount',
  'currency',
  'formula',
] as const;

export function csvField(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function statementsCsv(statements: Statement[]): string {
  const rows: Array<ReadonlyArray<string | number>> = [CSV_COLUMNS];
  for (const st of statements) {
    for (const l of st.lines) {
      rows.push([
        st.month,
        st.subject.kind,
        st.subject.id,
        st.policy.id,
        st.policy.version,
        st.engineVersion,
        st.evidenceDigest,
        l.code,
        l.kind,
        l.reason,
        l.nodeId ?? '',
        l.refs.statement?.operatorId ?? '',
        l.amountCents,
        formatCents(l.amountCents),
        st.currency,
        l.formula,
      ]);
    }
  }
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
