/**
 * Closing a month: after its end plus a settling delay (buffered samples arrive and settle first),
 * one statement per operator, computed by the pay engine from the evidence the reader gathers and
 * stored with that evidence, the policy version and the engine version, in one transaction under an
 * advisory lock. Closing a closed month changes nothing; the database refuses to alter a statement.
 */
import type postgres from 'postgres';
import { Errors } from '../errors.ts';
import {
  canonicalJson,
  computeStatement,
  PayEvidenceError,
  policyFor,
  sha256Hex,
  type Evidence,
  type PartnerEvidence,
  type PayPolicy,
  type Statement,
} from '../pay/index.ts';
import { parseMonth } from '../pay/month.ts';
import {
  adjustmentsOf,
  insertMonthClose,
  insertStatements,
  lastClosedMonth,
  lockMonthClose,
  monthClose,
  type AdjustmentRow,
  statementsOf,
  type NewStatement,
} from '../stores/statements.ts';
import { adjustmentEvidence } from './adjustments.ts';
import { gatherOperatorEvidence, monthMaintenance, partnerReferrals, type GatheredOperator, type PartnerReferrals } from './evidence.ts';
import { monthOrBadRequest } from './months.ts';

export interface CloseResult {
  month: string;
  /** False when the month was closed already: nothing changed. */
  changed: boolean;
  closedAt: string;
  closedBy: string;
  policy: { id: string; version: string };
  statements: number;
  totalCents: number;
}

/**
 * A partner's evidence: their referrals, the referred operators' statements of the month (closed ones
 * for a close, estimates for the live estimate) and the adjustments paid to the partner in it.
 */
export function partnerEvidence(
  p: PartnerReferrals,
  byOperator: ReadonlyMap<string, Statement>,
  adjustments: readonly AdjustmentRow[],
): PartnerEvidence {
  const adj = adjustments.filter((a) => a.subjectKind === 'partner' && a.subjectId === p.partner);
  return {
    subject: 'partner',
    partner: { id: p.partner },
    referrals: p.referrals,
    referredStatements: p.referrals.flatMap((r) => byOperator.get(r.operatorId) ?? []),
    ...(adj.length ? { adjustments: adj.map(adjustmentEvidence) } : {}),
  };
}

/**
 * Computes every operator's statement, then every partner's from their referrals and the referred
 * operators' statements; a subject whose evidence the engine refuses is named in the error.
 */
export function computeAll(
  version: ReturnType<typeof policyFor>,
  month: string,
  gathered: readonly GatheredOperator[],
  partners: readonly PartnerReferrals[] = [],
  adjustments: readonly AdjustmentRow[] = [],
) {
  const problems: Array<{ path: string; message: string }> = [];
  const out: Array<{ statement: Statement; evidence: string }> = [];
  const compute = (name: string, evidence: Evidence) => {
    try {
      out.push({ statement: computeStatement(version, evidence, month), evidence: canonicalJson(evidence) });
    } catch (e) {
      if (!(e instanceof PayEvidenceError)) throw e;
      problems.push(...e.problems.map((p) => ({ path: `${name}.${p.path}`, message: p.message })));
    }
  };
  for (const g of gathered) compute(g.operator.name, g.evidence);
  const byOperator = new Map(out.map((o) => [o.statement.subject.id, o.statement] as const));
  for (const p of partners) compute(p.partner, partnerEvidence(p, byOperator, adjustments));
  if (problems.length) throw new PayEvidenceError(problems);
  return out;
}

export const toRow = (s: Statement, evidence: string, createdAt: Date): NewStatement => {
  const canonical = canonicalJson(s);
  return {
    month: s.month,
    subjectKind: s.subject.kind,
    subjectId: s.subject.id,
    canonical,
    evidence,
    statementDigest: sha256Hex(canonical),
    evidenceDigest: s.evidenceDigest,
    policyId: s.policy.id,
    policyVersion: s.policy.version,
    policyDigest: s.policy.digest,
    engineVersion: s.engineVersion,
    totalCents: s.totalCents,
    createdAt,
  };
};

/** When a month may be closed: its end plus the settling delay. */
export const closableAt = (month: string, settleDelayMs: number): number => parseMonth(month).end + settleDelayMs;

export async function closeMonth(
  sql: postgres.Sql,
  policy: PayPolicy,
  month: string,
  opts: { now: number; by: string; settleDelayMs: number },
): Promise<CloseResult> {
  monthOrBadRequest(month);
  const at = closableAt(month, opts.settleDelayMs);
  if (opts.now < at)
    throw new Errors.MonthNotSettled(
      `${month} can be closed from ${new Date(at).toISOString()} (the month's end plus the settling delay of ${opts.settleDelayMs / 1000} s, for buffered samples)`,
    );
  const maintenance = await monthMaintenance(sql, month);
  return sql.begin(async (tx) => {
    await lockMonthClose(tx);
    const done = await monthClose(tx, month);
    const last = done ? null : await lastClosedMonth(tx);
    if (last && last.month > month)
      throw new Errors.MonthClosed(`${last.month} is closed already: months close in order, and ${month} comes before it`);
    if (done) {
      const rows = await statementsOf(tx, month);
      return {
        month,
        changed: false,
        closedAt: done.closedAt.toISOString(),
        closedBy: done.closedBy,
        policy: { id: done.policyId, version: done.policyVersion },
        statements: done.statements,
        totalCents: rows.reduce((s, r) => s + r.totalCents, 0),
      };
    }
    const version = policyFor(policy, month);
    const [gathered, partners, adjustments] = await Promise.all([
      gatherOperatorEvidence(tx, month, opts.now, maintenance),
      partnerReferrals(tx, month),
      adjustmentsOf(tx, month),
    ]);
    const computed = computeAll(version, month, gathered, partners, adjustments);
    const closedAt = new Date(opts.now);
    const rows = computed.map((c) => toRow(c.statement, c.evidence, closedAt));
    await insertStatements(tx, rows);
    await insertMonthClose(tx, {
      month,
      closedAt,
      closedBy: opts.by,
      policyId: version.policyId,
      policyVersion: version.id,
      statements: rows.length,
    });
    return {
      month,
      changed: true,
      closedAt: closedAt.toISOString(),
      closedBy: opts.by,
      policy: { id: version.policyId, version: version.id },
      statements: rows.length,
      totalCents: rows.reduce((s, r) => s + r.totalCents, 0),
    };
  });
}
