/** The enrollment_tokens table: issue a token, find one by its public id, claim it once, link its node. */
import type postgres from 'postgres';
import type { enrollmentTokens } from '../db/schema/index.ts';

type Token = typeof enrollmentTokens.$inferSelect;
/** A token as the enrollment service sees it: ids as numbers, times in ms since the epoch. */
export type TokenRecord = Pick<Token, 'secretHash' | 'region'> & {
  id: number;
  operatorId: number | null;
  expiresAt: number;
  usedAt: number | null;
};
/** The row as postgres.js reads it: int8 as an exact string, timestamps as Dates. */
type TokenRow = Pick<Token, 'secretHash' | 'region' | 'expiresAt' | 'usedAt'> & { id: string; operatorId: string | null };

export async function insertToken(
  sql: postgres.ISql,
  t: {
    publicId: string;
    secretHash: string;
    operatorId: number;
    region: string | null;
    createdAt: number;
    createdBy: string | null;
    expiresAt: number;
  },
): Promise<void> {
  await sql`
    insert into enrollment_tokens (public_id, secret_hash, operator_id, region, created_at, created_by, expires_at)
    values (${t.publicId}, ${t.secretHash}, ${t.operatorId}, ${t.region}, ${new Date(t.createdAt)}, ${t.createdBy}, ${new Date(t.expiresAt)})`;
}

export async function findToken(sql: postgres.ISql, publicId: string): Promise<TokenRecord | undefined> {
  const [r] = await sql<TokenRow[]>`
    select id, secret_hash as "secretHash", operator_id as "operatorId", region, expires_at as "expiresAt", used_at as "usedAt"
    from enrollment_tokens where public_id = ${publicId}`;
  return (
    r && {
      id: Number(r.id),
      secretHash: r.secretHash,
      operatorId: r.operatorId === null ? null : Number(r.operatorId),
      region: r.region,
      expiresAt: r.expiresAt.getTime(),
      usedAt: r.usedAt === null ? null : r.usedAt.getTime(),
    }
  );
}

/** Marks the token used at `now`; false when it was used already or has expired (whoever flips it first wins). */
export async function claimToken(sql: postgres.ISql, id: number, now: number): Promise<boolean> {
  const claimed = await sql`
    update enrollment_tokens set used_at = ${new Date(now)}
    where id = ${id} and used_at is null and expires_at > ${new Date(now)} returning id`;
  return claimed.length > 0;
}

/** Records which node a token enrolled. */
export async function linkTokenNode(sql: postgres.ISql, id: number, nodeId: number): Promise<void> {
  await sql`update enrollment_tokens set node_id = ${nodeId} where id = ${id}`;
}
