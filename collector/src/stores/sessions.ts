/**
 * Console sessions (db/schema/console.ts): keyed by the SHA-256 of the session id, never the id itself.
 * A session found here is only as good as the token it came from: `bySidHash` returns the person
 * token's stored row (expiry, revocation) for auth/principal.ts to judge exactly as it judges the token.
 */
import type postgres from 'postgres';
import type { consoleSessions } from '../db/schema/index.ts';
import { epochMs, type TokenLookup, type TokenLookupRow, tokenLookup, tokenLookupColumns } from './tokens.ts';

export interface SessionLookup {
  id: number;
  expiresAt: number;
  /** The person token it came from (undefined: the admin token's session). */
  token?: TokenLookup;
  /** The admin token's SHA-256 (hex), for a session that came from it. */
  adminDigest?: string;
}

/** A session and, left-joined, the `tokenLookupColumns` of the token it came from (all null for the admin token's). */
type Nullable<T> = { [K in keyof T]: T[K] | null };
type Row = Pick<typeof consoleSessions.$inferSelect, 'adminDigest'> & {
  sessionId: number;
  sessionExpiresMs: number;
} & Nullable<TokenLookupRow>;

export class SessionStore {
  private readonly sql: postgres.Sql;
  constructor(sql: postgres.Sql) {
    this.sql = sql;
  }

  /** A new session; expired ones are removed on the way (a sign-in is rare enough to carry that). */
  async insert(s: {
    sidHash: string;
    tokenId: number | null;
    adminDigest: string | null;
    now: number;
    expiresAt: number;
  }): Promise<number> {
    const sql = this.sql;
    await sql`delete from console_sessions where expires_at <= ${new Date(s.now)}`;
    const [row] = await sql<{ id: number }[]>`
      insert into console_sessions (sid_hash, token_id, admin_digest, created_at, expires_at)
      values (${s.sidHash}, ${s.tokenId}, ${s.adminDigest}, ${new Date(s.now)}, ${new Date(s.expiresAt)})
      returning id::int4 as id`;
    return row!.id;
  }

  async bySidHash(sidHash: string): Promise<SessionLookup | undefined> {
    const sql = this.sql;
    const [r] = await sql<Row[]>`
      select s.id::int4 as "sessionId", s.admin_digest as "adminDigest", ${epochMs(sql, 's.expires_at')} as "sessionExpiresMs",
             ${tokenLookupColumns(sql)}
      from console_sessions s
      left join person_tokens t on t.id = s.token_id
      left join people p on p.id = t.person_id
      where s.sid_hash = ${sidHash}`;
    if (!r) return undefined;
    if (r.id === null)
      return r.adminDigest === null ? undefined : { id: r.sessionId, expiresAt: r.sessionExpiresMs, adminDigest: r.adminDigest };
    // A token was joined: its columns are as TokenStore.byHash reads them.
    const token = tokenLookup(r as TokenLookupRow);
    return token && { id: r.sessionId, expiresAt: r.sessionExpiresMs, token };
  }

  async delete(sidHash: string): Promise<boolean> {
    const rows = await this.sql`delete from console_sessions where sid_hash = ${sidHash} returning id`;
    return rows.length > 0;
  }
}
