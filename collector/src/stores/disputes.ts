/** Disputes of statement lines: the operator's message, the answer, and the adjustment a resolution made. */
import type postgres from 'postgres';
import type { Queryable } from './statements.ts';

export interface DisputeRow {
  id: number;
  statementId: number;
  month: string;
  subjectKind: string;
  subjectId: string;
  lineIndex: number;
  lineCode: string;
  message: string;
  openedBy: string;
  openedAt: Date;
  status: string;
  answer: string | null;
  answeredBy: string | null;
  answeredAt: Date | null;
  adjustmentId: number | null;
}

type Row = {
  id: number;
  statement_id: number;
  month: string;
  subject_kind: string;
  subject_id: string;
  line_index: number;
  line_code: string;
  message: string;
  opened_by: string;
  opened_at: Date;
  status: string;
  answer: string | null;
  answered_by: string | null;
  answered_at: Date | null;
  adjustment_id: number | null;
};

async function select(sql: Queryable, where: postgres.PendingQuery<postgres.Row[]>): Promise<DisputeRow[]> {
  const rows = await sql<Row[]>`
    select d.id::float8 as id, d.statement_id::float8 as statement_id, s.month, s.subject_kind, s.subject_id, d.line_index, d.line_code, d.message,
      d.opened_by, d.opened_at, d.status, d.answer, d.answered_by, d.answered_at, d.adjustment_id::float8 as adjustment_id
    from pay_disputes d join statements s on s.id = d.statement_id
    ${where}
    order by d.id`;
  return rows.map((r) => ({
    id: r.id,
    statementId: r.statement_id,
    month: r.month,
    subjectKind: r.subject_kind,
    subjectId: r.subject_id,
    lineIndex: r.line_index,
    lineCode: r.line_code,
    message: r.message,
    openedBy: r.opened_by,
    openedAt: r.opened_at,
    status: r.status,
    answer: r.answer,
    answeredBy: r.answered_by,
    answeredAt: r.answered_at,
    adjustmentId: r.adjustment_id,
  }));
}

export async function disputeById(sql: Queryable, id: number): Promise<DisputeRow | null> {
  return (await select(sql, sql`where d.id = ${id}`))[0] ?? null;
}

/** Disputes, optionally of one kind of subject (operator, partner), one subject and / or in one status. */
export async function listDisputes(
  sql: Queryable,
  f: { subjectKind?: string; subjectId?: string; status?: string } = {},
): Promise<DisputeRow[]> {
  return select(
    sql,
    sql`where true ${f.subjectKind === undefined ? sql`` : sql`and s.subject_kind = ${f.subjectKind}`} ${f.subjectId === undefined ? sql`` : sql`and s.subject_id = ${f.subjectId}`} ${f.status === undefined ? sql`` : sql`and d.status = ${f.status}`}`,
  );
}

export async function insertDispute(
  sql: Queryable,
  d: { statementId: number; lineIndex: number; lineCode: string; message: string; openedBy: string; openedAt: Date },
): Promise<number> {
  const [r] = await sql<{ id: number }[]>`
    insert into pay_disputes (statement_id, line_index, line_code, message, opened_by, opened_at, status)
    values (${d.statementId}, ${d.lineIndex}, ${d.lineCode}, ${d.message}, ${d.openedBy}, ${d.openedAt}, 'open')
    returning id::float8 as id`;
  return r!.id;
}

/** Answers an open dispute; false when it was answered already (nothing changed). */
export async function answerDispute(
  sql: Queryable,
  id: number,
  a: { status: 'accepted' | 'rejected'; answer: string; by: string; at: Date; adjustmentId: number | null },
): Promise<boolean> {
  const r = await sql`
    update pay_disputes set status = ${a.status}, answer = ${a.answer}, answered_by = ${a.by}, answered_at = ${a.at}, adjustment_id = ${a.adjustmentId}
    where id = ${id} and status = 'open'`;
  return r.count === 1;
}

/** Locks a dispute's row for the rest of the transaction (a dispute is answered once). */
export async function lockDispute(sql: postgres.TransactionSql, id: number): Promise<void> {
  await sql`select 1 from pay_disputes where id = ${id} for update`;
}
