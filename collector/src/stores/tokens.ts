/**
 * Person tokens: only the SHA-256 of a token is stored (its lookup key). The last use is written at
 * most once per `lastUsedEveryMs` per token and process, so a busy client costs no write per request.
 */
import type postgres from 'postgres';
import type { personTokens } from '../db/schema/index.ts';
import { PERSON_ROLES, type PersonRole, type StoredToken } from '../program/index.ts';

/** A token as lists show it (never the hash). */
export type TokenRow = Pick<
  typeof personTokens.$inferSelect,
  'id' | 'personId' | 'displayPrefix' | 'role' | 'label' | 'issuedAt' | 'issuedBy' | 'expiresAt' | 'revokedAt' | 'revokedBy' | 'lastUsedAt'
> & { personName: string };

/** What authentication needs: the stored token as the pure core reads it, and who the person is. */
export interface TokenLookup {
  id: number;
  stored: StoredToken;
  operatorId: number | null;
  partnerId: number | null;
}

/** A row of `tokenLookupColumns`. */
export type TokenLookupRow = Pick<typeof personTokens.$inferSelect, 'id' | 'tokenHash' | 'displayPrefix' | 'personId' | 'role'> & {
  issuedMs: number;
  expiresMs: number;
  revokedMs: number | null;
  lastUsedMs: number | null;
  operatorId: number | null;
  partnerId: number | null;
};

const isPersonRole = (role: string): role is PersonRole => (PERSON_ROLES as readonly string[]).includes(role);

/** A timestamp column as ms since the epoch (float8: postgres.js returns a number). */
export const epochMs = (sql: postgres.Sql, col: string) => sql`(extract(epoch from ${sql(col)}) * 1000)::float8`;

/** What a token lookup reads, from `person_tokens t` joined to `people p` (console sessions read it too). */
export const tokenLookupColumns = (sql: postgres.Sql) => sql`
  t.id::int4 as id, t.token_hash as "tokenHash", t.display_prefix as "displayPrefix", t.person_id::int4 as "personId", t.role,
  ${epochMs(sql, 't.issued_at')} as "issuedMs", ${epochMs(sql, 't.expires_at')} as "expiresMs",
  ${epochMs(sql, 't.revoked_at')} as "revokedMs", ${epochMs(sql, 't.last_used_at')} as "lastUsedMs",
  p.operator_id::int4 as "operatorId", p.partner_id::int4 as "partnerId"`;

/** A `tokenLookupColumns` row as authentication reads it; a role the program does not know (written by hand) authenticates nobody. */
export function tokenLookup(r: TokenLookupRow): TokenLookup | undefined {
  if (!isPersonRole(r.role)) return undefined;
  return {
    id: r.id,
    operatorId: r.operatorId,
    partnerId: r.partnerId,
    stored: {
      hash: r.tokenHash,
      displayPrefix: r.displayPrefix,
      personId: String(r.personId),
      role: r.role,
      issuedAt: r.issuedMs,
      expiresAt: r.expiresMs,
      revokedAt: r.revokedMs,
      lastUsedAt: r.lastUsedMs,
    },
  };
}

export class TokenStore {
  private readonly lastWritten = new Map<number, number>();
  private readonly sql: postgres.Sql;
  private readonly lastUsedEveryMs: number;
  constructor(sql: postgres.Sql, lastUsedEveryMs = 60_000) {
    this.sql = sql;
    this.lastUsedEveryMs = lastUsedEveryMs;
  }

  async insert(stored: StoredToken, extra: { label: string | null; issuedBy: string }): Promise<number> {
    const [row] = await this.sql<{ id: number }[]>`
      insert into person_tokens (person_id, token_hash, display_prefix, role, label, issued_at, issued_by, expires_at)
      values (${Number(stored.personId)}, ${stored.hash}, ${stored.displayPrefix}, ${stored.role}, ${extra.label},
              ${new Date(stored.issuedAt)}, ${extra.issuedBy}, ${new Date(stored.expiresAt)})
      returning id::int4 as id`;
    return row!.id;
  }

  /** The token whose hash is `hash`, with its person's operator and partner. */
  async byHash(hash: string): Promise<TokenLookup | undefined> {
    const sql = this.sql;
    const [r] = await sql<TokenLookupRow[]>`
      select ${tokenLookupColumns(sql)} from person_tokens t join people p on p.id = t.person_id where t.token_hash = ${hash}`;
    return r && tokenLookup(r);
  }

  /** Record a use, unless this process wrote one for the token less than `lastUsedEveryMs` ago. */
  async touch(id: number, now: number): Promise<boolean> {
    const last = this.lastWritten.get(id);
    if (last !== undefined && now - last < this.lastUsedEveryMs) return false;
    this.lastWritten.set(id, now);
    await this
      .sql`update person_tokens set last_used_at = ${new Date(now)} where id = ${id} and (last_used_at is null or last_used_at < ${new Date(now)})`;
    return true;
  }

  async list(filter: { personId?: number; id?: number } = {}): Promise<TokenRow[]> {
    const sql = this.sql;
    const where =
      filter.id !== undefined
        ? sql`where t.id = ${filter.id}`
        : filter.personId !== undefined
          ? sql`where t.person_id = ${filter.personId}`
          : sql``;
    return sql<TokenRow[]>`
      select t.id::int4 as id, t.person_id::int4 as "personId", t.display_prefix as "displayPrefix", t.role, t.label,
             t.issued_at as "issuedAt", t.issued_by as "issuedBy", t.expires_at as "expiresAt", t.revoked_at as "revokedAt",
             t.revoked_by as "revokedBy", t.last_used_at as "lastUsedAt", p.name as "personName"
      from person_tokens t join people p on p.id = t.person_id
      ${where}
      order by t.issued_at desc, t.id desc`;
  }

  async get(id: number): Promise<TokenRow | undefined> {
    return (await this.list({ id }))[0];
  }

  /** Revoke now (a token revoked already keeps its first revocation). Returns whether this call revoked it. */
  async revoke(id: number, by: string, now: number): Promise<boolean> {
    const rows = await this
      .sql`update person_tokens set revoked_at = ${new Date(now)}, revoked_by = ${by} where id = ${id} and revoked_at is null returning id`;
    return rows.length > 0;
  }
}
