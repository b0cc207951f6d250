/** A statement as Markdown for the operator (or partner): nodes, line items with their arithmetic, total. */
import { formatUsd } from './money.ts';
import type { Statement } from './statement.ts';

/** A table cell: pipes escaped, line breaks flattened. */
export const cell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** Seconds as `1d 02:03:04` (days only when there are any). */
export function duration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const rest = seconds % 86_400;
  const hms = [Math.floor(rest / 3600), Math.floor((rest % 3600) / 60), rest % 60].map((n) => String(n).padStart(2, '0')).join(':');
  return d ? `${d}d ${hms}` : hms;
}

const pct = (p: string | null) => (p === null ? 'n/a' : `${p} %`);

export function statementMarkdown(st: Statement): string {
  const who =
    st.subject.kind === 'operator' ? `operator ${st.subject.id} (${st.subject.tier}, ${st.subject.lifecycle})` : `partner ${st.subject.id}`;
  const out = [`# Pay statement ${st.month}: ${cell(who)}`, ''];
  out.push(`- Policy \`${st.policy.id}\` version \`${st.policy.version}\`, engine \`${st.engineVersion}\``);
  if (st.subject.kind === 'operator') {
    const exit = st.subject.lastActiveDay ? `, last active day ${st.subject.lastActiveDay}` : '';
    out.push(`- Active since ${st.subject.activeSince}${exit}: ${st.activeDays.days} of ${st.activeDays.of} days this month`);
    out.push(`- Uptime (UP / (UP + DOWN), all nodes): ${pct(st.uptime.uptimePct)}; UNKNOWN and MAINTENANCE time never counts against you`);
  }
  out.push(`- Evidence SHA-256: \`${st.evidenceDigest}\``, '');
  if (st.nodes.length) {
    out.push('## Nodes', '', '| node | owned days | UP | DOWN | UNKNOWN | MAINTENANCE | uptime |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const n of st.nodes) {
      out.push(
        `| ${cell(n.nodeId)} | ${n.ownedDays} | ${duration(n.upSeconds)} | ${duration(n.downSeconds)} | ${duration(n.unknownSeconds)} | ${duration(n.maintenanceSeconds)} | ${pct(n.uptimePct)} |`,
      );
    }
    out.push('');
  }
  out.push('## Pay', '', '| item | node | reason | amount | how |', '|---|---|---|---:|---|');
  for (const l of st.lines)
    out.push(`| ${cell(l.label ?? l.code)} | ${cell(l.nodeId ?? '')} | ${l.reason} | ${formatUsd(l.amountCents)} | ${cell(l.formula)} |`);
  out.push('', `**Total: ${formatUsd(st.totalCents)}** (${st.currency}; each line rounded once to the cent, half up)`, '');
  return out.join('\n');
}
