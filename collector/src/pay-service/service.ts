/**
 * The pay service: the policy in force, closing months, statements in their three formats,
 * verification (from the database or an exported bundle), the live estimate, node transfers, task
 * imports, adjustments and disputes. Routes and the CLI call this; the arithmetic is the pure pay
 * core's (`pay/`), the ownership rules the program core's (`program/ownership.ts`).
 */
import type postgres from 'postgres';
import type { Config } from '../config.ts';
import { Errors } from '../errors.ts';
import {
  estimateStatement,
  PayEvidenceError,
  PayPolicyError,
  policyFor,
  statementMarkdown,
  statementsCsv,
  type Estimate,
  type PayPolicy,
  type PolicyVersion,
  type Statement,
} from '../pay/index.ts';
import type { Ref } from '../refs.ts';
import { nodeForTransfer, nodeTransfers, operatorIdByName, operatorNameById, partnerIdByName } from '../stores/ownership.ts';
import { adjustmentsOf, monthClose, statementFor, statementsOf, storedPolicyVersions, type StatementRow } from '../stores/statements.ts';
import { BUNDLE_FORMAT, checkStatements, nodeChanges, type EvidenceBundle, type MonthVerification } from './bundle.ts';
import { closeMonth, partnerEvidence, type CloseResult } from './close.ts';
import { addAdjustment, disputesOf, openDispute, resolveDispute, type AdjustmentRequest, type DisputeSubject } from './disputes.ts';
import { gatherOperatorEvidence, monthMaintenance, partnerReferrals } from './evidence.ts';
import { monthAt, monthOrBadRequest } from './months.ts';
import { readPolicyFile, recordedVersion, syncPolicy, versionFromDefinition } from './policy.ts';
import { importTasks, type TaskRow } from './tasks.ts';
import { tierProposalsOf, type TierProposals } from './tier-proposals.ts';
import { transferNode, transferView } from './transfers.ts';

/** Pay errors as HTTP answers (422 with every problem in `details`); anything else as it is. */
export function asHttpError(e: unknown): unknown {
  if (e instanceof PayPolicyError) return Object.assign(new Errors.PayPolicyInvalid(e.message), { details: e.problems });
  if (e instanceof PayEvidenceError) return Object.assign(new Errors.PayEvidenceInvalid(e.message), { details: e.problems });
  return e;
}

const httpErrors = async <T>(p: Promise<T>): Promise<T> => {
  try {
    return await p;
  } catch (e) {
    throw asHttpError(e);
  }
};

export class PayService {
  readonly policy: PayPolicy;
  private synced: Promise<void> | null = null;
  private readonly sql: postgres.Sql;
  private readonly settings: Config['pay'];
  private readonly clock: () => number;

  constructor(sql: postgres.Sql, settings: Config['pay'], clock: () => number, policy?: PayPolicy) {
    this.sql = sql;
    this.settings = settings;
    this.clock = clock;
    this.policy = policy ?? readPolicyFile(settings.policyFile);
  }

  /** Checks the policy against the closed months and records its versions (once per process). */
  ready(): Promise<void> {
    this.synced ??= syncPolicy(this.sql, this.policy, this.clock()).catch((e) => {
      this.synced = null;
      throw e;
    });
    return this.synced;
  }

  async close(month: string, by: string): Promise<CloseResult> {
    await this.ready();
    return httpErrors(
      closeMonth(this.sql, this.policy, month, { now: this.clock(), by, settleDelayMs: this.settings.settleDelayS * 1000 }),
    );
  }

  private async closedStatements(month: string): Promise<StatementRow[]> {
    monthOrBadRequest(month);
    if (!(await monthClose(this.sql, month))) throw new Errors.NotFound(`${month} is not closed`);
    return statementsOf(this.sql, month);
  }

  private async versions(): Promise<PolicyVersion[]> {
    return (await storedPolicyVersions(this.sql)).map((r) => versionFromDefinition(r.definition));
  }

  /**
   * Recomputes every statement of a closed month from its stored evidence and reports any byte that
   * differs; then reads the operators' evidence again as of the close and names every node whose
   * evidence changed since (`changedSinceClose`): either makes the month fail verification.
   */
  async verify(month: string): Promise<MonthVerification> {
    const rows = await this.closedStatements(month);
    const checked = checkStatements(month, rows, await this.versions());
    const close = (await monthClose(this.sql, month))!;
    const gathered = await gatherOperatorEvidence(this.sql, month, close.closedAt.getTime(), monthMaintenance(this.sql, month));
    const changedSinceClose = nodeChanges(rows, new Map(gathered.map((g) => [g.operator.name, g.evidence] as const)));
    return { ...checked, ok: checked.ok && changedSinceClose.length === 0, changedSinceClose };
  }

  /** Everything needed to re-check a closed month without the database. */
  async exportBundle(month: string): Promise<EvidenceBundle> {
    const rows = await this.closedStatements(month);
    const named = new Set(rows.map((r) => `${r.policyId}\u0000${r.policyVersion}`));
    const versions = (await storedPolicyVersions(this.sql)).filter((v) => named.has(`${v.policyId}\u0000${v.versionId}`));
    return {
      format: BUNDLE_FORMAT,
      month,
      exportedAt: new Date(this.clock()).toISOString(),
      policyVersions: versions.map((v) => v.definition),
      statements: rows.map((r) => ({
        subjectKind: r.subjectKind,
        subjectId: r.subjectId,
        month: r.month,
        canonical: r.canonical,
        evidence: r.evidence,
        statementDigest: r.statementDigest,
        evidenceDigest: r.evidenceDigest,
        policyId: r.policyId,
        policyVersion: r.policyVersion,
      })),
    };
  }

  /** One operator's (or partner's) closed statement: its canonical JSON bytes as stored. */
  async statement(month: string, subject: string, kind: 'operator' | 'partner' = 'operator'): Promise<StatementRow> {
    monthOrBadRequest(month);
    const row = await statementFor(this.sql, month, kind, subject);
    if (!row) throw new Errors.NotFound(`no statement of ${subject} for ${month}`);
    return row;
  }

  async statementMarkdown(month: string, subject: string, kind: 'operator' | 'partner' = 'operator'): Promise<string> {
    return statementMarkdown(JSON.parse((await this.statement(month, subject, kind)).canonical) as Statement);
  }

  /** Every statement of a closed month as CSV for finance: one row per line item. */
  async monthCsv(month: string): Promise<string> {
    return statementsCsv((await this.closedStatements(month)).map((r) => JSON.parse(r.canonical) as Statement));
  }

  async monthStatements(month: string): Promise<StatementRow[]> {
    return this.closedStatements(month);
  }

  /**
   * The live estimate of an operator's month (default: the current one): the evidence so far through
   * the statement's own code path, projected to the month's end. A finished month's estimate is its
   * statement.
   */
  async estimate(operator: string, month = monthAt(this.clock())): Promise<Estimate> {
    monthOrBadRequest(month);
    const now = this.clock();
    const [g] = await gatherOperatorEvidence(this.sql, month, now, monthMaintenance(this.sql, month), { operator });
    if (!g)
      throw new Errors.NotFound(
        (await operatorIdByName(this.sql, operator)) === null
          ? `no operator ${operator}`
          : `${operator} was not in the program in ${month}`,
      );
    return httpErrors(Promise.resolve().then(() => estimateStatement(policyFor(this.policy, month), g.evidence, month, now)));
  }

  /**
   * The live estimate of a partner's commission for a month (default the current one): the partner
   * statement's own code path (`partnerEvidence`, as a close builds it) over the referred operators'
   * live estimates and the adjustments paid to the partner so far. A finished month's estimate is the
   * partner's statement.
   */
  async partnerEstimate(partner: string, month = monthAt(this.clock())): Promise<Estimate> {
    monthOrBadRequest(month);
    const now = this.clock();
    const [referrals] = await partnerReferrals(this.sql, month, partner);
    if (!referrals) throw new Errors.NotFound(`no partner ${partner}`);
    return httpErrors(
      (async () => {
        const version = policyFor(this.policy, month);
        const maintenance = monthMaintenance(this.sql, month);
        const byOperator = new Map<string, Statement>();
        for (const r of referrals.referrals) {
          const [g] = await gatherOperatorEvidence(this.sql, month, now, maintenance, { operator: r.operatorId });
          if (g) byOperator.set(r.operatorId, estimateStatement(version, g.evidence, month, now).statement);
        }
        const adjustments = await adjustmentsOf(this.sql, month, { kind: 'partner', id: partner });
        return estimateStatement(version, partnerEvidence(referrals, byOperator, adjustments), month, now);
      })(),
    );
  }

  /**
   * Every statement of a month for the reports: the closed statements when the month is closed
   * (`final`), else every operator's live estimate (partners' commissions come with the close).
   */
  async monthPayouts(month: string): Promise<{ final: boolean; currency: string; statements: Statement[] }> {
    monthOrBadRequest(month);
    if (await monthClose(this.sql, month))
      return {
        final: true,
        currency: this.policy.currency,
        statements: (await statementsOf(this.sql, month)).map((r) => JSON.parse(r.canonical) as Statement),
      };
    const now = this.clock();
    const version = policyFor(this.policy, month);
    const gathered = await gatherOperatorEvidence(this.sql, month, now, monthMaintenance(this.sql, month));
    return {
      final: false,
      currency: version.currency,
      statements: gathered.map((g) => estimateStatement(version, g.evidence, month, now).statement),
    };
  }

  /** Promotions and termination risks to decide, as of a month (pay-service/tier-proposals.ts). */
  tierProposals(month: string): Promise<TierProposals> {
    return httpErrors(tierProposalsOf(this.sql, this.policy, month, this.clock()));
  }

  async transfer(ref: Ref, t: { to: string | null; at?: number; reason: string; by: string }) {
    const node = await nodeForTransfer(this.sql, ref.id !== undefined ? { id: ref.id } : { name: ref.name });
    if (!node) throw new Errors.NotFound(`no node ${ref.id ?? ref.name}`);
    let to: { id: number; name: string } | null = null;
    if (t.to !== null) {
      const id = await operatorIdByName(this.sql, t.to);
      if (id === null) throw new Errors.NotFound(`no operator ${t.to}`);
      to = { id, name: t.to };
    }
    const now = this.clock();
    return {
      node: node.name,
      transfers: await transferNode(this.sql, { node, to, at: t.at ?? Math.floor(now / 1000) * 1000, by: t.by, reason: t.reason }, now),
    };
  }

  async transfers(ref: Ref) {
    const node = await nodeForTransfer(this.sql, ref.id !== undefined ? { id: ref.id } : { name: ref.name });
    if (!node) throw new Errors.NotFound(`no node ${ref.id ?? ref.name}`);
    return { node: node.name, transfers: (await nodeTransfers(this.sql, node.id)).map(transferView) };
  }

  importTasks(rows: TaskRow[], by: string) {
    return importTasks(this.sql, rows, by, this.clock());
  }

  adjust(a: AdjustmentRequest) {
    return addAdjustment(this.sql, a, this.clock());
  }

  /** Dispute a line of an operator's statement (`operator`) or of a partner's (`partner`). */
  dispute(d: ({ operator: string } | { partner: string }) & { month: string; lineIndex: number; message: string; by: string }) {
    const subject: DisputeSubject = 'operator' in d ? { kind: 'operator', id: d.operator } : { kind: 'partner', id: d.partner };
    return openDispute(
      this.sql,
      { month: d.month, subject, lineIndex: d.lineIndex, message: d.message, by: d.by },
      this.clock(),
      this.settings.disputeDays,
    );
  }

  answer(id: number, a: { accept: boolean; answer: string; amountCents?: number; by: string }) {
    return resolveDispute(this.sql, id, a, this.clock());
  }

  /** Disputes; an operator's own only when `onlyOperatorId` (their operator id) is given. */
  async disputes(f: { operator?: string; partner?: string; status?: string }, onlyOperatorId?: string) {
    if (onlyOperatorId === undefined) return disputesOf(this.sql, f);
    const own = await operatorNameById(this.sql, Number(onlyOperatorId));
    if (own === null || (f.operator !== undefined && f.operator !== own) || f.partner !== undefined) return [];
    return disputesOf(this.sql, { ...f, operator: own });
  }

  /** A partner's disputes (404 for no such partner). */
  async partnerDisputes(partner: string, status?: string) {
    if ((await partnerIdByName(this.sql, partner)) === null) throw new Errors.NotFound(`no partner ${partner}`);
    return disputesOf(this.sql, { partner, ...(status ? { status } : {}) });
  }

  /** The version a stored statement names (for reports). */
  recordedVersion(policyId: string, versionId: string) {
    return recordedVersion(this.sql, policyId, versionId);
  }
}
