/**
 * Console sessions (db/schema/console.ts): keyed by the SHA-256 of the session id, never the id itself.
 * A session found here is only as good as the token it came from: `bySidHash` returns the person
 * token's stored row (expiry, revocation) for auth/principal.ts to judge exactly as it judges the token.
 */
import type postgres from 'postgres';
import type { consoleSessions } from '../db/schema/index.ts';
import { PERSON_ROLES, type PersonRole } from '../program/index.ts';
import type { TokenLookup } from './tokens.ts';

export interface SessionLookup {
  id: number;
  expiresAt: number;
  /** The person token it came from (undefined: the admin token's session). */
  token?: TokenLookup;
  /** The admin token's SHA-256 (hex), for a session that came from it. */
  adminDigest?: string;
}

type Row = Pick<typeof consoleSessions.$inferSelect, 'id' | 'adminDigest'> & {
  expiresMs: number;
  tokenId: number | null;
  tokenHash: string | null;
  displayPrefix: string | null;
  personId: number | null;
  role: string | null;
  issuedMs: number | null;
  tokenExpiresMs: number | null;
  revokedMs: number | null;
  lastUsedMs: number | null;
  operatorId: number | null;
  partnerId: number | null;
};

const isPersonRole = (role: string | null): role is PersonRole => role !== null && (PERSON_ROLES as readonly string[]).includes(role);
const ms = (sql: postgres.Sql, col: string) => sql`(extract(epoch from ${sql(col)}) * 1000)::float8`;

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
      select s.id::int4 as id, s.admin_digest as "adminDigest", ${ms(sql, 's.expires_at')} as "expiresMs",
             t.id::int4 as "tokenId", t.token_hash as "tokenHash", t.display_prefix as "displayPrefix", t.person_id::int4 as "personId",
             t.role, ${ms(sql, 't.issued_at')} as "issuedMs", ${ms(sql, 't.expires_at')} as "tokenExpiresMs",
             ${ms(sql, 't.revoked_at')} as "revokedMs", ${ms(sql, 't.last_used_at')} as "lastUsedMs",
             p.operator_id::int4 as "operatorId", p.partner_id::int4 as "partnerId"
      from console_sessions s
      left join person_tokens t on t.id = s.token_id
      left join people p on p.id = t.person_id
      where s.sid_hash = ${sidHash}`;
    if (!r) return undefined;
    if (r.tokenId === null) return r.adminDigest === null ? undefined : { id: r.id, expiresAt: r.expiresMs, adminDigest: r.adminDigest };
    if (!isPersonRole(r.role)) return undefined;
    return {
      id: r.id,
      expiresAt: r.expiresMs,
      token: {
        id: r.tokenId,
        operatorId: r.operatorId,
        partnerId: r.partnerId,
        stored: {
          hash: r.tokenHash!,
          displayPrefix: r.displayPrefix!,
          personId: String(r.personId),
          role: r.role,
          issuedAt: r.issuedMs!,
          expiresAt: r.tokenExpiresMs!,
          revokedAt: r.revokedMs,
          lastUsedAt: r.lastUsedMs,
        },
      },
    };
  }

  async delete(sidHash: string): Promise<boolean> {
    const rows = await this.sql`delete from console_sessions where sid_hash = ${sidHash} returning id`;
    return rows.length > 0;
  }
}
