/**
 * Adjustments and disputes. An adjustment (amount, reason, who, note) is paid in an open month: a
 * closed statement never changes. An operator disputes one line of a closed statement within the
 * dispute window (days after the close) with a message; an admin answers, accepting (with the amount
 * to pay or take back, which becomes an adjustment in the month open at the time) or rejecting. Both
 * sides read the same record: the dispute, its answer and the adjustment it made.
 */
import type postgres from 'postgres';
import type { Queryable } from '../stores/statements.ts';
import { Errors } from '../errors.ts';
import type { Statement } from '../pay/index.ts';
import { answerDispute, disputeById, insertDispute, listDisputes, lockDispute, type DisputeRow } from '../stores/disputes.ts';
import { operatorIdByName } from '../stores/ownership.ts';
import { insertAdjustment, monthClose, statementFor, type NewAdjustment } from '../stores/statements.ts';
import { assertOpenMonth, monthAt, monthOrBadRequest } from './months.ts';

const DAY_MS = 86_400_000;
const CODE = /^[a-z][a-z0-9_]{0,63}$/;

export interface AdjustmentRequest {
  subjectKind: 'operator' | 'partner';
  subjectId: string;
  /** The open month it is paid in (default: the month holding `now`). */
  month?: string;
  amountCents: number;
  reason: string;
  note: string;
  by: string;
  corrects?: { month: string; code?: string };
  disputeId?: number;
}

export async function addAdjustment(sql: Queryable, a: AdjustmentRequest, now: number): Promise<{ id: number; month: string }> {
  const month = a.month ?? monthAt(now);
  monthOrBadRequest(month);
  if (!CODE.test(a.reason))
    throw new Errors.BadRequest(`reason must be a code (lowercase letters, digits, _): ${JSON.stringify(a.reason)}`);
  if (!Number.isSafeInteger(a.amountCents) || Math.abs(a.amountCents) > 1_000_000_000_000)
    throw new Errors.BadRequest('amountCents must be a whole number of cents');
  if (a.subjectKind === 'operator') {
    if ((await operatorIdByName(sql, a.subjectId)) === null) throw new Errors.NotFound(`no operator ${a.subjectId}`);
  }
  await assertOpenMonth(sql, month, `an adjustment paid in ${month}`);
  const row: NewAdjustment = {
    subjectKind: a.subjectKind,
    subjectId: a.subjectId,
    month,
    amountCents: a.amountCents,
    reason: a.reason,
    note: a.note,
    by: a.by,
    correctsMonth: a.corrects?.month ?? null,
    correctsCode: a.corrects?.code ?? null,
    disputeId: a.disputeId ?? null,
    createdAt: new Date(now),
  };
  return { id: await insertAdjustment(sql, row), month };
}

export interface DisputeView {
  id: number;
  month: string;
  subject: { kind: string; id: string };
  line: { index: number; code: string };
  message: string;
  openedBy: string;
  openedAt: string;
  status: string;
  answer: string | null;
  answeredBy: string | null;
  answeredAt: string | null;
  adjustmentId: number | null;
}

export const disputeView = (d: DisputeRow): DisputeView => ({
  id: d.id,
  month: d.month,
  subject: { kind: d.subjectKind, id: d.subjectId },
  line: { index: d.lineIndex, code: d.lineCode },
  message: d.message,
  openedBy: d.openedBy,
  openedAt: d.openedAt.toISOString(),
  status: d.status,
  answer: d.answer,
  answeredBy: d.answeredBy,
  answeredAt: d.answeredAt?.toISOString() ?? null,
  adjustmentId: d.adjustmentId,
});

/** Whose statement a dispute is about: an operator's, or a partner's commission. */
export interface DisputeSubject {
  kind: 'operator' | 'partner';
  id: string;
}

export async function openDispute(
  sql: Queryable,
  d: { month: string; subject: DisputeSubject; lineIndex: number; message: string; by: string },
  now: number,
  windowDays: number,
): Promise<DisputeView> {
  monthOrBadRequest(d.month);
  const st = await statementFor(sql, d.month, d.subject.kind, d.subject.id);
  const closed = await monthClose(sql, d.month);
  if (!st || !closed) throw new Errors.NotFound(`no statement of ${d.subject.kind} ${d.subject.id} for ${d.month}`);
  const until = closed.closedAt.getTime() + windowDays * DAY_MS;
  if (now > until)
    throw new Errors.DisputeWindowOver(
      `statements of ${d.month} could be disputed until ${new Date(until).toISOString()} (${windowDays} days after the close); ask for an adjustment instead`,
    );
  const statement = JSON.parse(st.canonical) as Statement;
  const line = statement.lines[d.lineIndex];
  if (!line) throw new Errors.BadRequest(`the statement has lines 0 to ${statement.lines.length - 1}; no line ${d.lineIndex}`);
  const id = await insertDispute(sql, {
    statementId: st.id,
    lineIndex: d.lineIndex,
    lineCode: line.code,
    message: d.message,
    openedBy: d.by,
    openedAt: new Date(now),
  });
  return disputeView((await disputeById(sql, id))!);
}

export async function resolveDispute(
  sql: postgres.Sql,
  id: number,
  a: { accept: boolean; answer: string; amountCents?: number; by: string },
  now: number,
): Promise<DisputeView> {
  return sql.begin(async (tx) => {
    await lockDispute(tx, id);
    const d = await disputeById(tx, id);
    if (!d) throw new Errors.NotFound(`no dispute ${id}`);
    if (d.status !== 'open') throw new Errors.Conflict(`dispute ${id} was answered already (${d.status})`);
    let adjustmentId: number | null = null;
    if (a.accept) {
      if (a.amountCents === undefined)
        throw new Errors.BadRequest('accepting a dispute needs amountCents: what to pay (or take back) in the open month');
      adjustmentId = (
        await addAdjustment(
          tx,
          {
            subjectKind: d.subjectKind === 'partner' ? 'partner' : 'operator',
            subjectId: d.subjectId,
            amountCents: a.amountCents,
            reason: 'dispute_resolved',
            note: `dispute ${id}: ${a.answer}`.slice(0, 500),
            by: a.by,
            corrects: { month: d.month, code: d.lineCode },
            disputeId: id,
          },
          now,
        )
      ).id;
    }
    await answerDispute(tx, id, {
      status: a.accept ? 'accepted' : 'rejected',
      answer: a.answer,
      by: a.by,
      at: new Date(now),
      adjustmentId,
    });
    return disputeView((await disputeById(tx, id))!);
  });
}

export async function disputesOf(sql: Queryable, f: { operator?: string; partner?: string; status?: string }): Promise<DisputeView[]> {
  if (f.operator && f.partner) return []; // a dispute is about one subject
  const subject = f.operator
    ? { subjectKind: 'operator', subjectId: f.operator }
    : f.partner
      ? { subjectKind: 'partner', subjectId: f.partner }
      : {};
  return (await listDisputes(sql, { ...subject, ...(f.status ? { status: f.status } : {}) })).map(disputeView);
}
