/**
 * Enrollment tokens: single-use, expiring, per operator. An admin creates one (API or CLI) and hands it
 * to the operator, whose `install.sh --token <t>` / `timmy-fleet join` trades it for a node credential.
 * Stored like credentials: `public_id` finds the row, the secret is kept as its SHA-256.
 */
import { bigint, bigserial, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { nodes, operators } from './fleet.ts';

export const enrollmentTokens = pgTable(
  'enrollment_tokens',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    publicId: text('public_id').notNull(),
    secretHash: text('secret_hash').notNull(),
    operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
    region: text('region'),
    createdAt: ts('created_at').notNull().defaultNow(),
    createdBy: text('created_by'),
    expiresAt: ts('expires_at').notNull(),
    /** Set once, atomically, when a node enrolls with it. */
    usedAt: ts('used_at'),
    nodeId: bigint('node_id', { mode: 'number' }).references(() => nodes.id),
  },
  (t) => [uniqueIndex('enrollment_tokens_public_uq').on(t.publicId), index('enrollment_tokens_operator_idx').on(t.operatorId)],
);
