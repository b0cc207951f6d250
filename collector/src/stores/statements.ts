/**
 * Closed months, their statements (canonical JSON bytes and the evidence they were computed from),
 * the pay policy versions the collector has run with, and adjustments. Statements and month closes
 * are written once: the database refuses to change them (a trigger).
 */
import type postgres from 'postgres';
import type { monthCloses, payAdjustments, payPolicyVersions, statements } from '../db/schema/index.ts';
import { LOCKS } from '../db/database.ts';

/** A pool or a transaction: every store function runs on either. */
export type Queryable = postgres.Sql | postgres.TransactionSql;

// Rows are read with their columns aliased to the drizzle names (int8 cast to float8: exact below 2^53), so
// each row is the table's `$inferSelect` as it comes.
export type MonthCloseRow = typeof monthCloses.$inferSelect;
export type StatementRow = typeof statements.$inferSelect;
export type NewStatement = Omit<StatementRow, 'id'>;
export type PolicyVersionRow = Omit<typeof payPolicyVersions.$inferSelect, 'firstLoadedAt'>;
export type AdjustmentRow = typeof payAdjustments.$inferSelect;
export type NewAdjustment = Omit<AdjustmentRow, 'id'>;

const CLOSE_COLUMNS = (sql: Queryable) => sql`
  month, closed_at as "closedAt", closed_by as "closedBy", policy_id as "policyId", policy_version as "policyVersion", statements`;

export async function monthClose(sql: Queryable, month: string): Promise<MonthCloseRow | null> {
  const [r] = await sql<MonthCloseRow[]>`select ${CLOSE_COLUMNS(sql)} from month_closes where month = ${month}`;
  return r ?? null;
}

/** The latest closed month (YYYY-MM), or null. */
export async function lastClosedMonth(sql: Queryable): Promise<MonthCloseRow | null> {
  const [r] = await sql<MonthCloseRow[]>`select ${CLOSE_COLUMNS(sql)} from month_closes order by month desc limit 1`;
  return r ?? null;
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
  id::float8 as id, month, subject_kind as "subjectKind", subject_id as "subjectId", canonical, evidence,
  statement_digest as "statementDigest", evidence_digest as "evidenceDigest", policy_id as "policyId", policy_version as "policyVersion",
  policy_digest as "policyDigest", engine_version as "engineVersion", total_cents::float8 as "totalCents", created_at as "createdAt"`;

/** A month's statements (optionally one subject kind), in subject order. */
export async function statementsOf(sql: Queryable, month: string, kind?: string): Promise<StatementRow[]> {
  return sql<StatementRow[]>`
    select ${COLUMNS(sql)} from statements
    where month = ${month} ${kind === undefined ? sql`` : sql`and subject_kind = ${kind}`}
    order by subject_kind desc, subject_id`;
}

export async function statementFor(sql: Queryable, month: string, kind: string, subjectId: string): Promise<StatementRow | null> {
  const [r] = await sql<StatementRow[]>`
    select ${COLUMNS(sql)} from statements where month = ${month} and subject_kind = ${kind} and subject_id = ${subjectId}`;
  return r ?? null;
}

export async function statementById(sql: Queryable, id: number): Promise<StatementRow | null> {
  const [r] = await sql<StatementRow[]>`select ${COLUMNS(sql)} from statements where id = ${id}`;
  return r ?? null;
}

export async function storedPolicyVersions(sql: Queryable, policyId?: string): Promise<PolicyVersionRow[]> {
  return sql<PolicyVersionRow[]>`
    select policy_id as "policyId", version_id as "versionId", effective_from as "effectiveFrom", digest, definition from pay_policy_versions
    ${policyId === undefined ? sql`` : sql`where policy_id = ${policyId}`}
    order by policy_id, effective_from`;
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

/** Adjustments paid in a month (for one subject, or all). */
export async function adjustmentsOf(sql: Queryable, month: string, subject?: { kind: string; id: string }): Promise<AdjustmentRow[]> {
  return sql<AdjustmentRow[]>`
    select id::float8 as id, subject_kind as "subjectKind", subject_id as "subjectId", month, amount_cents::float8 as "amountCents", reason,
      note, by, corrects_month as "correctsMonth", corrects_code as "correctsCode", dispute_id::float8 as "disputeId", created_at as "createdAt"
    from pay_adjustments
    where month = ${month} ${subject ? sql`and subject_kind = ${subject.kind} and subject_id = ${subject.id}` : sql``}
    order by id`;
}

export async function insertAdjustment(sql: Queryable, a: NewAdjustment): Promise<number> {
  const [r] = await sql<{ id: number }[]>`
    insert into pay_adjustments (subject_kind, subject_id, month, amount_cents, reason, note, by, corrects_month, corrects_code, dispute_id, created_at)
    values (${a.subjectKind}, ${a.subjectId}, ${a.month}, ${a.amountCents}, ${a.reason}, ${a.note}, ${a.by}, ${a.correctsMonth}, ${a.correctsCode}, ${a.disputeId}, ${a.createdAt})
    returning id::float8 as id`;
  return r!.id;
}
