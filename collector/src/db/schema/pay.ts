/**
 * Paying operators: node ownership by dated transfer, the pay policy versions the collector has run
 * with, task imports, closed months with their immutable statements, adjustments and disputes.
 *
 * Citus placement: `node_ownership` is distributed by `node_id` (co-located with the node's
 * intervals; its key leads with the node); every other table here is a small reference table
 * (a few rows per operator and month).
 *
 * Statements are stored as the canonical JSON bytes the pay engine produced, next to the canonical
 * JSON of the evidence it read: a trigger refuses any update or delete of a statement or a month
 * close, so a closed month never changes (corrections are adjustments in an open month).
 */
import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { operators } from './fleet.ts';

/** Who owns a node from `at` on (operator null: nobody). One row per hand-over; one owner at a time. */
export const nodeOwnership = pgTable(
  'node_ownership',
  {
    nodeId: bigint('node_id', { mode: 'number' }).notNull(),
    at: ts('at').notNull(),
    operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
    by: text('by').notNull(),
    reason: text('reason').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.nodeId, t.at] })],
);

/** Every policy version the collector has been started with: what closed months were computed with. */
export const payPolicyVersions = pgTable(
  'pay_policy_versions',
  {
    policyId: text('policy_id').notNull(),
    versionId: text('version_id').notNull(),
    effectiveFrom: text('effective_from').notNull(),
    digest: text('digest').notNull(),
    /** The version as the pay core holds it (defaults applied). */
    definition: jsonb('definition').notNull(),
    firstLoadedAt: ts('first_loaded_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.policyId, t.versionId] })],
);

/** Task counts from outside, per operator and month; `source_id` makes an import idempotent. */
export const taskImports = pgTable(
  'task_imports',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sourceId: text('source_id').notNull(),
    operatorId: bigint('operator_id', { mode: 'number' })
      .notNull()
      .references(() => operators.id),
    month: text('month').notNull(),
    assigned: integer('assigned').notNull(),
    completed: integer('completed').notNull(),
    importedBy: text('imported_by').notNull(),
    importedAt: ts('imported_at').notNull(),
  },
  (t) => [uniqueIndex('task_imports_source_uq').on(t.sourceId), index('task_imports_operator_month_idx').on(t.operatorId, t.month)],
);

/** A closed month: its statements exist and never change. */
export const monthCloses = pgTable('month_closes', {
  month: text('month').primaryKey(),
  closedAt: ts('closed_at').notNull(),
  closedBy: text('closed_by').notNull(),
  policyId: text('policy_id').notNull(),
  policyVersion: text('policy_version').notNull(),
  statements: integer('statements').notNull(),
});

/** One statement per subject (operator or partner) and closed month: canonical JSON bytes, as computed. */
export const statements = pgTable(
  'statements',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    month: text('month').notNull(),
    /** operator | partner */
    subjectKind: text('subject_kind').notNull(),
    /** The operator's (or partner's) name, as on the statement. */
    subjectId: text('subject_id').notNull(),
    canonical: text('canonical').notNull(),
    evidence: text('evidence').notNull(),
    statementDigest: text('statement_digest').notNull(),
    evidenceDigest: text('evidence_digest').notNull(),
    policyId: text('policy_id').notNull(),
    policyVersion: text('policy_version').notNull(),
    policyDigest: text('policy_digest').notNull(),
    engineVersion: text('engine_version').notNull(),
    totalCents: bigint('total_cents', { mode: 'number' }).notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [uniqueIndex('statements_subject_uq').on(t.month, t.subjectKind, t.subjectId)],
);

/** A correction decided by a person, paid in the open month it names. */
export const payAdjustments = pgTable(
  'pay_adjustments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    subjectKind: text('subject_kind').notNull(),
    subjectId: text('subject_id').notNull(),
    month: text('month').notNull(),
    amountCents: bigint('amount_cents', { mode: 'number' }).notNull(),
    reason: text('reason').notNull(),
    note: text('note').notNull(),
    by: text('by').notNull(),
    correctsMonth: text('corrects_month'),
    correctsCode: text('corrects_code'),
    disputeId: bigint('dispute_id', { mode: 'number' }),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('pay_adjustments_subject_idx').on(t.subjectKind, t.subjectId, t.month)],
);

/** A disputed line of a statement: the operator's message, the answer, and the adjustment a resolution made. */
export const payDisputes = pgTable(
  'pay_disputes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    statementId: bigint('statement_id', { mode: 'number' })
      .notNull()
      .references(() => statements.id),
    lineIndex: integer('line_index').notNull(),
    lineCode: text('line_code').notNull(),
    message: text('message').notNull(),
    openedBy: text('opened_by').notNull(),
    openedAt: ts('opened_at').notNull(),
    /** open | accepted | rejected */
    status: text('status').notNull(),
    answer: text('answer'),
    answeredBy: text('answered_by'),
    answeredAt: ts('answered_at'),
    adjustmentId: bigint('adjustment_id', { mode: 'number' }),
  },
  (t) => [index('pay_disputes_statement_idx').on(t.statementId)],
);
