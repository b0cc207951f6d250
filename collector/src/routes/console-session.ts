/**
 * The console's sign-in: a role token (the admin token or a person token) is exchanged for a session
 * cookie (`timmy_session`: HttpOnly, SameSite=Strict, Path=/, expiring; Secure when the collector serves
 * TLS or its publicUrl is https). The session acts exactly as its token (auth/principal.ts judges the
 * token again on every request) and ends with it. State-changing requests made with the cookie carry the
 * session's CSRF token in `x-csrf-token` (auth/access.ts); the token is in the answers below, never in a
 * cookie a page of another site could use.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ACCESS } from '../auth/access.ts';
import { SESSION_COOKIE, adminDigest, csrfFor, newSessionId, principalFor, sessionDigest } from '../auth/principal.ts';
import { Errors } from '../errors.ts';
import type { Principal } from '../program/index.ts';

/** A session lasts this long at most (and never past its token's expiry). */
export const SESSION_TTL_MS = 12 * 3_600_000;

const err = { $ref: 'ErrorReply#' };
const tags = ['console'];

const SessionView = Type.Object({
  signedIn: Type.Boolean(),
  role: Type.String(),
  name: Type.Union([Type.String(), Type.Null()], { description: "the person's name (null for the admin token)" }),
  operator: Type.Union([Type.String(), Type.Null()], { description: 'the operator an operator acts for' }),
  partner: Type.Union([Type.String(), Type.Null()], { description: 'the partner a partner acts for' }),
  csrf: Type.Union([Type.String(), Type.Null()], { description: 'send as x-csrf-token on every state-changing request' }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
type SessionView = typeof SessionView.static;

const SIGNED_OUT: SessionView = { signedIn: false, role: 'public', name: null, operator: null, partner: null, csrf: null, expiresAt: null };

/**
 * The console session of a request's cookie, as GET /v1/session answers it (signed out without one);
 * the collector also writes it into every console page it serves, so a page starts without asking.
 */
export async function sessionOf(app: FastifyInstance, req: FastifyRequest): Promise<SessionView> {
  const s = req.consoleSession;
  return s ? view(app, req.principal, s.sid, s.expiresAt) : SIGNED_OUT;
}

async function view(app: FastifyInstance, p: Principal, sid: string, expiresAt: number): Promise<SessionView> {
  const person =
    p.personId !== undefined && /^\d+$/.test(p.personId) ? await app.deps.services.program.people.people.find(p.personId) : undefined;
  return {
    signedIn: true,
    role: p.role,
    name: person?.name ?? null,
    operator: person?.operatorName ?? null,
    partner: person?.partnerName ?? null,
    csrf: csrfFor(sid),
    expiresAt: new Date(expiresAt).toISOString(),
  };
}

export default async function consoleSessionRoutes(app: FastifyInstance) {
  const { config, clock, services } = app.deps;
  const { sessions, tokens } = services.program;
  const secure = Boolean(config.tlsCertFile) || (config.publicUrl ?? '').startsWith('https:');
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  function setCookie(reply: FastifyReply, value: string, maxAgeS: number) {
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`,
    );
  }

  typed.post(
    '/v1/session',
    {
      // Anyone may try a token; bounded per client address (`signInPerMin`, 10 by default).
      config: { access: ACCESS.everyone, rateLimit: { max: config.signInPerMin, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'Sign in to the console: exchange a role token for a session cookie.',
        description:
          'The token is the admin token or a person token (tfp_…). The answer sets `timmy_session` (HttpOnly, SameSite=Strict) and carries the CSRF token to send as `x-csrf-token`. An unknown, expired or revoked token: 401.',
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 200: SessionView, 400: err, 401: err, 429: err },
      },
    },
    async (req, reply) => {
      const now = clock();
      const who = await principalFor(req.body.token, { adminToken: config.adminToken, tokens, now });
      if (!who.ok || who.principal.role === 'public') {
        req.log.info({ reason: who.ok ? 'not a role token' : who.reason }, 'console sign-in refused');
        throw new Errors.Unauthorized();
      }
      const expiresAt = Math.min(now + SESSION_TTL_MS, who.token?.expiresAt ?? Number.POSITIVE_INFINITY);
      const sid = newSessionId();
      await sessions.insert({
        sidHash: sessionDigest(sid),
        tokenId: who.token?.id ?? null,
        adminDigest: who.token === undefined && config.adminToken ? adminDigest(config.adminToken) : null,
        now,
        expiresAt,
      });
      setCookie(reply, sid, Math.max(1, Math.floor((expiresAt - now) / 1000)));
      reply.header('cache-control', 'no-store');
      return view(app, who.principal, sid, expiresAt);
    },
  );

  typed.get(
    '/v1/session',
    {
      config: { access: ACCESS.everyone },
      schema: {
        tags,
        summary: "The console session of this request's cookie: who, until when, and its CSRF token.",
        response: { 200: SessionView },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return sessionOf(app, req);
    },
  );

  typed.delete(
    '/v1/session',
    {
      config: { access: ACCESS.everyone },
      schema: {
        tags,
        summary: 'Sign out: the session ends on the server and the cookie is cleared.',
        description: 'With a live session the request carries its CSRF token (x-csrf-token); a stale cookie is simply cleared.',
        response: { 204: Type.Null(), 403: err },
      },
    },
    async (req, reply) => {
      const s = req.consoleSession;
      if (s && !s.csrfOk) throw new Errors.CsrfRejected();
      if (s) await sessions.delete(sessionDigest(s.sid));
      setCookie(reply, '', 0);
      return reply.status(204).send(null);
    },
  );
}
