/**
 * Console sign-in sessions (routes/console-session.ts): only the SHA-256 of the session id is stored.
 * A session keeps the person token it came from (`token_id`), so the token's expiry and revocation end it
 * at once; a session from the configured admin token keeps that token's SHA-256 instead, so changing the
 * admin token ends it.
 */
import { bigint, bigserial, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { personTokens } from './program.ts';

export const consoleSessions = pgTable(
  'console_sessions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sidHash: text('sid_hash').notNull(),
    tokenId: bigint('token_id', { mode: 'number' }).references(() => personTokens.id, { onDelete: 'cascade' }),
    adminDigest: text('admin_digest'),
    createdAt: ts('created_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [uniqueIndex('console_sessions_sid_uq').on(t.sidHash), index('console_sessions_expires_idx').on(t.expiresAt)],
);
