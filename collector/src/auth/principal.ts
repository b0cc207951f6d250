/**
 * Who is asking: the principal behind a request's `Authorization: Bearer …`.
 *
 * - the configured admin token (constant-time compare): the `admin` role;
 * - a person token (`tfp_…`): shape and checksum first (no lookup for a mistyped one), then the row its
 *   SHA-256 finds, expiry and revocation (program/tokens.ts `authenticate`); the last use is recorded at
 *   most once a minute per token (TokenStore.touch). A person token that fails is a 401, whatever the route;
 * - anything else (a node credential, an enrollment token) or nothing: `public`. Routes for nodes check
 *   their own credential.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ANONYMOUS, TOKEN_PREFIX, authenticate, parseToken, type Principal } from '../program/index.ts';
import type { TokenStore } from '../stores/tokens.ts';

/** The principal of the configured admin token. */
export const ADMIN_TOKEN_PRINCIPAL: Principal = { role: 'admin', personId: 'admin-token' };

export type PrincipalResult = { ok: true; principal: Principal; credential: boolean } | { ok: false; reason: string };

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerOf(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export async function principalFor(
  presented: string | undefined,
  opts: { adminToken: string | undefined; tokens: TokenStore; now: number },
): Promise<PrincipalResult> {
  if (presented === undefined) return { ok: true, principal: ANONYMOUS, credential: false };
  if (opts.adminToken && timingSafeEqual(digest(presented), digest(opts.adminToken)))
    return { ok: true, principal: ADMIN_TOKEN_PRINCIPAL, credential: true };
  if (!presented.startsWith(TOKEN_PREFIX)) return { ok: true, principal: ANONYMOUS, credential: true };
  const parsed = parseToken(presented);
  if (!parsed.ok) return { ok: false, reason: parsed.code };
  const row = await opts.tokens.byHash(parsed.hash);
  const auth = authenticate(presented, () => row?.stored, opts.now);
  if (!auth.ok || !row) return { ok: false, reason: auth.ok ? 'unknown' : auth.code };
  await opts.tokens.touch(row.id, opts.now);
  return {
    ok: true,
    credential: true,
    principal: {
      role: auth.role,
      personId: auth.personId,
      ...(row.operatorId !== null ? { operatorId: String(row.operatorId) } : {}),
      ...(row.partnerId !== null ? { partnerId: String(row.partnerId) } : {}),
    },
  };
}
