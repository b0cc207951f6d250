/**
 * The pay engine: (policy version, evidence, month) → statement. Pure: no clock, no database, no
 * randomness; the same inputs give the same canonical JSON byte for byte.
 *
 * Lines are computed in policy order; a line may build on earlier ones (a deduction on the base, a
 * commission on a referred statement). Each kind returns exact amounts; each line is rounded once
 * here (`roundCents`: half up on the magnitude, to whole cents). The total is the sum of the lines.
 */
import { digestOf } from './canonical.ts';
import { activePeriod, evidenceProblems } from './check-evidence.ts';
import { PayEvidenceError, PayPolicyError } from './errors.ts';
import { adjustmentLines } from './adjustment.ts';
import type { Evidence } from './evidence.ts';
import { nodeFigures, operatorUptime } from './figures.ts';
import type { PayContext } from './kinds/kind.ts';
import { findKind } from './kinds/registry.ts';
import { roundCents } from './money.ts';
import { activeDays, parseMonth, type Month } from './month.ts';
import type { PolicyVersion } from './policy.ts';
import type { LineItem, Statement, StatementSubject } from './statement.ts';

/** Recorded in every statement; bump it whenever the same inputs could give a different statement. */
export const ENGINE_VERSION = 'pay-engine/1';

export function computeStatement(version: PolicyVersion, evidence: Evidence, monthId: string): Statement {
  const month = parseMonth(monthId);
  if (version.effectiveFrom > month.id) {
    throw new PayPolicyError([{ path: `versions.${version.id}`, message: `takes effect ${version.effectiveFrom}, after ${month.id}` }]);
  }
  const problems = evidenceProblems(evidence, month);
  if (problems.length) throw new PayEvidenceError(problems);

  const { ctx, subject } = contextOf(evidence, month);
  const lines: LineItem[] = [];
  for (const line of version.lines) {
    const kind = findKind(line.kind)!;
    if (kind.subject !== evidence.subject) continue;
    if (line.tiers && evidence.subject === 'operator' && !line.tiers.includes(evidence.operator.tier)) continue;
    for (const draft of kind.compute(line.params, { ...ctx, lines })) {
      lines.push({
        code: line.code,
        kind: line.kind,
        ...(line.label === undefined ? {} : { label: line.label }),
        reason: draft.reason,
        amountCents: roundCents(draft.amount),
        ...(draft.nodeId === undefined ? {} : { nodeId: draft.nodeId }),
        formula: draft.formula,
        refs: draft.refs,
      });
    }
  }
  lines.push(...adjustmentLines(evidence.adjustments ?? []));
  return {
    engineVersion: ENGINE_VERSION,
    policy: { id: version.policyId, version: version.id, digest: version.digest },
    currency: version.currency,
    month: month.id,
    subject,
    evidenceDigest: digestOf(evidence),
    activeDays: { days: ctx.subject === 'operator' ? ctx.activeDays : month.days, of: month.days },
    nodes: ctx.subject === 'operator' ? ctx.nodes : [],
    uptime: ctx.subject === 'operator' ? ctx.uptime : operatorUptime([]),
    lines,
    totalCents: lines.reduce((s, l) => s + l.amountCents, 0),
  };
}

function contextOf(evidence: Evidence, month: Month): { ctx: PayContext; subject: StatementSubject } {
  if (evidence.subject === 'partner') {
    return {
      subject: { kind: 'partner', id: evidence.partner.id },
      ctx: {
        subject: 'partner',
        month,
        partner: evidence.partner,
        referrals: evidence.referrals,
        referredStatements: evidence.referredStatements,
        lines: [],
      },
    };
  }
  const op = evidence.operator;
  const openEnd = activePeriod(month, op).end;
  const nodes = [...evidence.nodes].sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1)).map((n) => nodeFigures(n, openEnd));
  return {
    subject: {
      kind: 'operator',
      id: op.id,
      tier: op.tier,
      lifecycle: op.lifecycle,
      activeSince: op.activeSince,
      lastActiveDay: op.lastActiveDay,
    },
    ctx: {
      subject: 'operator',
      month,
      operator: op,
      activeDays: activeDays(month, op.activeSince, op.lastActiveDay),
      nodes,
      uptime: operatorUptime(nodes),
      tasks: evidence.tasks,
      incidents: evidence.incidents,
      lines: [],
    },
  };
}
