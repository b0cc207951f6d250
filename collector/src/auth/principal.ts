/**
 * Who is asking: the principal behind a request's `Authorization: Bearer …`.
 *
 * - the configured admin token (constant-time compare): the `admin` role;
 * - a person token (`tfp_…`): shape and checksum first (no lookup for a mistyped one), then the row its
 *   SHA-256 finds, expiry and revocation (program/tokens.ts `authenticate`); the last use is recorded at
 *   most once a minute per token (TokenStore.touch). A person token that fails is a 401, whatever the route;
 * - anything else (a node credential, an enrollment token) or nothing: `public`. Routes for nodes check
 *   their own credential;
 * - a console session (the `timmy_session` cookie, routes/console-session.ts), only when no bearer is
 *   sent: the principal of the token it was signed in with, judged again on every request (the token's
 *   expiry and revocation, or the admin token still being the configured one), so a session has exactly
 *   the roles and limits of its token and never outlives it.
 */
import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ANONYMOUS, TOKEN_PREFIX, authenticate, parseToken, tokenStatus, type Principal } from '../program/index.ts';
import type { SessionStore } from '../stores/sessions.ts';
import type { TokenLookup, TokenStore } from '../stores/tokens.ts';

/** The principal of the configured admin token. */
export const ADMIN_TOKEN_PRINCIPAL: Principal = { role: 'admin', personId: 'admin-token' };

export type PrincipalResult =
  | {
      ok: true;
      principal: Principal;
      credential: boolean /** A person token's row id and expiry. */;
      token?: { id: number; expiresAt: number };
    }
  | { ok: false; reason: string };

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerOf(header: string | undefined): string | undefined {
  return header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
}

const digest = (s: string) => hash('sha256', s, 'buffer');
/** Two secrets compared in constant time (their digests: equal length whatever was presented). */
export const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** The configured admin token's digest, computed once per value: every request with a bearer is compared to it. */
let admin: { token: string; digest: Buffer } | null = null;
/** Whether `presented` is the configured admin token (constant time). */
export function isAdminToken(presented: string, adminToken: string): boolean {
  if (admin?.token !== adminToken) admin = { token: adminToken, digest: digest(adminToken) };
  return timingSafeEqual(digest(presented), admin.digest);
}

/** The principal of a person token's row (authenticated already). */
function tokenPrincipal(row: TokenLookup): Principal {
  return {
    role: row.stored.role,
    personId: row.stored.personId,
    ...(row.operatorId !== null ? { operatorId: String(row.operatorId) } : {}),
    ...(row.partnerId !== null ? { partnerId: String(row.partnerId) } : {}),
  };
}

export async function principalFor(
  presented: string | undefined,
  opts: { adminToken: string | undefined; tokens: TokenStore; now: number },
): Promise<PrincipalResult> {
  if (presented === undefined) return { ok: true, principal: ANONYMOUS, credential: false };
  if (opts.adminToken && isAdminToken(presented, opts.adminToken)) return { ok: true, principal: ADMIN_TOKEN_PRINCIPAL, credential: true };
  if (!presented.startsWith(TOKEN_PREFIX)) return { ok: true, principal: ANONYMOUS, credential: true };
  const parsed = parseToken(presented);
  if (!parsed.ok) return { ok: false, reason: parsed.code };
  const row = await opts.tokens.byHash(parsed.hash);
  const auth = authenticate(presented, () => row?.stored, opts.now);
  if (!auth.ok || !row) return { ok: false, reason: auth.ok ? 'unknown' : auth.code };
  await opts.tokens.touch(row.id, opts.now);
  return { ok: true, credential: true, principal: tokenPrincipal(row), token: { id: row.id, expiresAt: row.stored.expiresAt } };
}

// --- console sessions --------------------------------------------------------------------------------

/** The session cookie's name. */
export const SESSION_COOKIE = 'timmy_session';

/** One cookie's value from a `Cookie:` header. */
export function cookieOf(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** A fresh session id: 32 random bytes, base64url. Only its SHA-256 is stored. */
export const newSessionId = () => randomBytes(32).toString('base64url');
export const sessionDigest = (sid: string) => createHash('sha256').update(sid).digest('hex');
/** The session's CSRF token: derived from the session id, which only the cookie holds (a page of another site can compute neither). */
export const csrfFor = (sid: string) => createHash('sha256').update(`csrf\0${sid}`).digest('base64url');
export const csrfMatches = (sid: string, presented: string | undefined) => presented !== undefined && sameSecret(csrfFor(sid), presented);
export const adminDigest = (adminToken: string) => createHash('sha256').update(adminToken).digest('hex');

export type SessionResult = { ok: true; principal: Principal; expiresAt: number } | { ok: false; reason: string };

/** The principal of a session id: its token's, as long as that token is still good. */
export async function principalForSession(
  sid: string,
  opts: { adminToken: string | undefined; sessions: SessionStore; tokens: TokenStore; now: number },
): Promise<SessionResult> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(sid)) return { ok: false, reason: 'bad_format' };
  const s = await opts.sessions.bySidHash(sessionDigest(sid));
  if (!s) return { ok: false, reason: 'unknown' };
  if (opts.now >= s.expiresAt) return { ok: false, reason: 'expired' };
  if (s.token) {
    const status = tokenStatus(s.token.stored, opts.now);
    if (status !== 'active') return { ok: false, reason: `token_${status}` };
    await opts.tokens.touch(s.token.id, opts.now);
    return { ok: true, principal: tokenPrincipal(s.token), expiresAt: Math.min(s.expiresAt, s.token.stored.expiresAt) };
  }
  if (!opts.adminToken || !s.adminDigest || !sameSecret(adminDigest(opts.adminToken), s.adminDigest))
    return { ok: false, reason: 'admin_token_changed' };
  return { ok: true, principal: ADMIN_TOKEN_PRINCIPAL, expiresAt: s.expiresAt };
}
