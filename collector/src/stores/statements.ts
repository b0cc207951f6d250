/**
 * Closed months, their statements (canonical JSON bytes and the evidence they were computed from),
 * the pay policy versions the collector has run with, and adjustments. Statements and month closes
 * are written once: the database refuses to change them (a trigger).
 */
import type postgres from 'postgres';
import { LOCKS } from '../db/database.ts';

/** A pool or a transaction: every store function runs on either. */
export type Queryable = postgres.Sql | postgres.TransactionSql;

export interface MonthCloseRow {
  month: string;
  closedAt: Date;
  closedBy: string;
  policyId: string;
  policyVersion: string;
  statements: number;
}

type CloseRow = { month: string; closed_at: Date; closed_by: string; policy_id: string; policy_version: string; statements: number };
const toClose = (r: CloseRow): MonthCloseRow => ({
  month: r.month,
  closedAt: r.closed_at,
  closedBy: r.closed_by,
  policyId: r.policy_id,
  policyVersion: r.policy_version,
  statements: r.statements,
});

export async function monthClose(sql: Queryable, month: string): Promise<MonthCloseRow | null> {
  const [r] = await sql<
    CloseRow[]
  >`select month, closed_at, closed_by, policy_id, policy_version, statements from month_closes where month = ${month}`;
  return r ? toClose(r) : null;
}

/** The latest closed month (YYYY-MM), or null. */
export async function lastClosedMonth(sql: Queryable): Promise<MonthCloseRow | null> {
  const [r] = await sql<CloseRow[]>`
    select month, closed_at, closed_by, policy_id, policy_version, statements from month_closes order by month desc limit 1`;
  return r ? toClose(r) : null;
}

/** Holds the month-close lock for the rest of the transaction: one close at a time across collectors. */
export async function lockMonthClose(sql: postgres.TransactionSql): Promise<void> {
  await sql`select pg_advisory_xact_lock(${LOCKS.payClose})`;
}

export async function insertMonthClose(sql: Queryable, c: MonthCloseRow): Promise<void> {
  await sql`
    insert into month_closes (month, closed_at, closed_by, policy_id, policy_version, statements)
    values (${c.month}, ${c.closedAt}, ${c.closedBy}, ${c.policyId}, ${c.policyVersion}, ${c.statements})`;
}

export interface StatementRow {
  id: number;
  month: string;
  subjectKind: string;
  subjectId: string;
  canonical: string;
  evidence: string;
  statementDigest: string;
  evidenceDigest: string;
  policyId: string;
  policyVersion: string;
  policyDigest: string;
  engineVersion: string;
  totalCents: number;
  createdAt: Date;
}
export type NewStatement = Omit<StatementRow, 'id'>;

type SRow = {
  id: number;
  month: string;
  subject_kind: string;
  subject_id: string;
  canonical: string;
  evidence: string;
  statement_digest: string;
  evidence_digest: string;
  policy_id: string;
  policy_version: string;
  policy_digest: string;
  engine_version: string;
  total_cents: number;
  created_at: Date;
};
const toStatement = (r: SRow): StatementRow => ({
  id: r.id,
  month: r.month,
  subjectKind: r.subject_kind,
  subjectId: r.subject_id,
  canonical: r.canonical,
  evidence: r.evidence,
  statementDigest: r.statement_digest,
  evidenceDigest: r.evidence_digest,
  policyId: r.policy_id,
  policyVersion: r.policy_version,
  policyDigest: r.policy_digest,
  engineVersion: r.engine_version,
  totalCents: r.total_cents,
  createdAt: r.created_at,
});

export async function insertStatements(sql: Queryable, rows: NewStatement[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await sql`insert into statements ${sql(
      rows.slice(i, i + 500).map((s) => ({
        month: s.month,
        subject_kind: s.subjectKind,
        subject_id: s.subjectId,
        canonical: s.canonical,
        evidence: s.evidence,
        statement_digest: s.statementDigest,
        evidence_digest: s.evidenceDigest,
        policy_id: s.policyId,
        policy_version: s.policyVersion,
        policy_digest: s.policyDigest,
        engine_version: s.engineVersion,
        total_cents: s.totalCents,
        created_at: s.createdAt,
      })),
    )}`;
  }
}

const COLUMNS = (sql: Queryable) => sql`
  id::float8 as id, month, subject_kind, subject_id, canonical, evidence, statement_digest, evidence_digest, policy_id,
  policy_version, policy_digest, engine_version, total_cents::float8 as total_cents, created_at`;

/** A month's statements (optionally one subject kind), in subject order. */
export async function statementsOf(sql: Queryable, month: string, kind?: string): Promise<StatementRow[]> {
  const rows = await sql<SRow[]>`
    select ${COLUMNS(sql)} from statements
    where month = ${month} ${kind === undefined ? sql`` : sql`and subject_kind = ${kind}`}
    order by subject_kind desc, subject_id`;
  return rows.map(toStatement);
}

export async function statementFor(sql: Queryable, month: string, kind: string, subjectId: string): Promise<StatementRow | null> {
  const [r] = await sql<SRow[]>`
    select ${COLUMNS(sql)} from statements where month = ${month} and subject_kind = ${kind} and subject_id = ${subjectId}`;
  return r ? toStatement(r) : null;
}

export async function statementById(sql: Queryable, id: number): Promise<StatementRow | null> {
  const [r] = await sql<SRow[]>`select ${COLUMNS(sql)} from statements where id = ${id}`;
  return r ? toStatement(r) : null;
}

export interface PolicyVersionRow {
  policyId: string;
  versionId: string;
  effectiveFrom: string;
  digest: string;
  definition: unknown;
}

export async function storedPolicyVersions(sql: Queryable, policyId?: string): Promise<PolicyVersionRow[]> {
  const rows = await sql<{ policy_id: string; version_id: string; effective_from: string; digest: string; definition: unknown }[]>`
    select policy_id, version_id, effective_from, digest, definition from pay_policy_versions
    ${policyId === undefined ? sql`` : sql`where policy_id = ${policyId}`}
    order by policy_id, effective_from`;
  return rows.map((r) => ({
    policyId: r.policy_id,
    versionId: r.version_id,
    effectiveFrom: r.effective_from,
    digest: r.digest,
    definition: r.definition,
  }));
}

/** Records versions; a version not used by a closed month may have changed and is replaced. */
export async function upsertPolicyVersions(sql: Queryable, rows: Array<Omit<PolicyVersionRow, never>>, now: Date): Promise<void> {
  for (const r of rows) {
    await sql`
      insert into pay_policy_versions (policy_id, version_id, effective_from, digest, definition, first_loaded_at)
      values (${r.policyId}, ${r.versionId}, ${r.effectiveFrom}, ${r.digest}, ${sql.json(r.definition as never)}, ${now})
      on conflict (policy_id, version_id) do update set effective_from = excluded.effective_from, digest = excluded.digest, definition = excluded.definition
      where pay_policy_versions.digest <> excluded.digest`;
  }
}

export interface AdjustmentRow {
  id: number;
  subjectKind: string;
  subjectId: string;
  month: string;
  amountCents: number;
  reason: string;
  note: string;
  by: string;
  correctsMonth: string | null;
  correctsCode: string | null;
  disputeId: number | null;
  createdAt: Date;
}
export type NewAdjustment = Omit<AdjustmentRow, 'id'>;

type ARow = {
  id: number;
  subject_kind: string;
  subject_id: string;
  month: string;
  amount_cents: number;
  reason: string;
  note: string;
  by: string;
  corrects_month: string | null;
  corrects_code: string | null;
  dispute_id: number | null;
  created_at: Date;
};

/** Adjustments paid in a month (for one subject, or all). */
export async function adjustmentsOf(sql: Queryable, month: string, subject?: { kind: string; id: string }): Promise<AdjustmentRow[]> {
  const rows = await sql<ARow[]>`
    select id::float8 as id, subject_kind, subject_id, month, amount_cents::float8 as amount_cents, reason, note, by, corrects_month, corrects_code,
      dispute_id::float8 as dispute_id, created_at
    from pay_adjustments
    where month = ${month} ${subject ? sql`and subject_kind = ${subject.kind} and subject_id = ${subject.id}` : sql``}
    order by id`;
  return rows.map((r) => ({
    id: r.id,
    subjectKind: r.subject_kind,
    subjectId: r.subject_id,
    month: r.month,
    amountCents: r.amount_cents,
    reason: r.reason,
    note: r.note,
    by: r.by,
    correctsMonth: r.corrects_month,
    correctsCode: r.corrects_code,
    disputeId: r.dispute_id,
    createdAt: r.created_at,
  }));
}

export async function insertAdjustment(sql: Queryable, a: NewAdjustment): Promise<number> {
  const [r] = await sql<{ id: number }[]>`
    insert into pay_adjustments (subject_kind, subject_id, month, amount_cents, reason, note, by, corrects_month, corrects_code, dispute_id, created_at)
    values (${a.subjectKind}, ${a.subjectId}, ${a.month}, ${a.amountCents}, ${a.reason}, ${a.note}, ${a.by}, ${a.correctsMonth}, ${a.correctsCode}, ${a.disputeId}, ${a.createdAt})
    returning id::float8 as id`;
  return r!.id;
}
