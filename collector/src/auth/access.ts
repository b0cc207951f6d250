/**
 * Route access: every route declares who may use it in its options (`config: { access: ACCESS.x }`),
 * one `onRequest` hook finds the principal and applies `decide` (program/access.ts), and for a scoped
 * route a `preValidation` hook finds the owner of the node, operator, incident or partner the path names:
 * another operator's (or partner's) resource is a 404 exactly like one that does not exist.
 *
 * A route without a declaration is refused (403) and logged: nothing is open by omission. The walk test
 * (access.test.ts) sends every route of the OpenAPI document as every role.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Errors } from '../errors.ts';
import {
  ANONYMOUS,
  type AccessDeclaration,
  type Principal,
  type ResourceOwner,
  ROLES,
  STAFF_ROLES,
  decide,
  routeKey,
} from '../program/index.ts';
import type { ResourceOwners } from '../stores/resource-owners.ts';
import type { SessionStore } from '../stores/sessions.ts';
import { resolveOperator, type OperatorRecord } from '../stores/operators.ts';
import type { TokenStore } from '../stores/tokens.ts';
import { SESSION_COOKIE, bearerOf, cookieOf, csrfMatches, principalFor, principalForSession, type PrincipalResult } from './principal.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may use the route (program/access.ts). Every route has one. */
    access?: AccessDeclaration;
  }
  interface FastifyInstance {
    /** Every route's declaration, `METHOD /url` → declaration (undefined: none), as registered. */
    accessDeclarations: Record<string, AccessDeclaration | undefined>;
  }
  interface FastifyRequest {
    /** Who is asking (set by the access hook before anything else runs). */
    principal: Principal;
    /** The console session the principal came from (a good `timmy_session` cookie and no bearer). */
    consoleSession?: ConsoleSession;
  }
}

const STAFF = ['admin', 'fleet_lead', 'finance'] as const;

/** The declarations routes use: one line in each route's options. */
export const ACCESS = {
  /** Anyone, with or without a token (health, install script, applications, node credential routes checking their own). */
  everyone: { roles: [...ROLES] },
  /**
   * A node's own routes (its reports, its decommission), which check the node's credential themselves:
   * open to everyone at the hook, and no person principal is looked up (each report would otherwise
   * hash its bearer to compare it with the admin token: 4 % of the collector's CPU at 4,000 reports/s).
   */
  node: { roles: [...ROLES], nodeCredential: true as const },
  /** Administration: people, tokens, nodes, maintenance, operators' records. */
  admin: { roles: ['admin'] },
  /** Incident handling and the application review: admins and fleet leads. */
  lead: { roles: ['admin', 'fleet_lead'] },
  /** Fleet-wide reads: every staff role. */
  staff: { roles: [...STAFF] },
  /** An operator's own node, incident, operator record, uptime; staff see all. */
  ownOperator: { roles: [...STAFF, 'operator'], scope: 'own-operator' },
  /** A partner's own record and commissions; staff see all. */
  ownPartner: { roles: [...STAFF, 'partner'], scope: 'own-partner' },
  /** An operator's summary: the operator, and the partner who referred them. */
  operatorSummary: { roles: [...STAFF, 'operator', 'partner'], scope: 'own-operator' },
} as const satisfies Record<string, AccessDeclaration>;

/**
 * With anonymous reads on (the local main job), a request without a token may use every GET route a
 * fleet lead may.
 */
export const ANONYMOUS_READER: Principal = { role: 'fleet_lead', personId: 'anonymous-read' };

const NO_ADMIN_TOKEN =
  'no credential given and no admin token is configured: set TIMMY_ADMIN_TOKEN (config file: adminToken) and restart the collector, or issue a person token (node collector/src/cli.ts token issue), or set TIMMY_ANONYMOUS_READ=true (anonymousRead) for reads without one';

export interface AccessDeps {
  tokens: TokenStore;
  owners: ResourceOwners;
  sessions: SessionStore;
}

export interface ConsoleSession {
  sid: string;
  expiresAt: number;
  /** Whether the request carried the session's CSRF token (`x-csrf-token`); always true for a safe method. */
  csrfOk: boolean;
}

/** Methods that change nothing: no CSRF token needed. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

type Deny = Exclude<ReturnType<typeof decide>, { allow: true }>;
function refuse(d: Deny, what: string): Error {
  if (d.code === 'FLEET_UNAUTHORIZED') return new Errors.Unauthorized();
  if (d.code === 'FLEET_FORBIDDEN') return new Errors.Forbidden(`this route is for: ${what}`);
  return new Errors.NotFound('not found');
}

/** The principal's decision for `declaration` (for route hooks that add a condition, like the acknowledge link). */
export function requireAccess(req: FastifyRequest, declaration: AccessDeclaration): void {
  const d = decide(req.principal, declaration);
  if (!d.allow) throw refuse(d, declaration.roles.join(', '));
}

/** Which resource a scoped route's path names, by its parameter. */
async function ownerOf(
  owners: ResourceOwners,
  url: string,
  params: Record<string, string | undefined>,
  p: Principal,
): Promise<{ what: string; owner: ResourceOwner | null } | undefined> {
  if (params.node !== undefined) return { what: `node "${params.node}"`, owner: await owners.node(params.node) };
  for (const k of ['op', 'operator'] as const) {
    const v = params[k];
    if (v !== undefined) return { what: `operator "${v}"`, owner: await owners.operator(v) };
  }
  if (params.partner !== undefined) return { what: `partner "${params.partner}"`, owner: await owners.partner(params.partner) };
  if (params.id !== undefined && url.startsWith('/v1/incidents/'))
    return { what: `incident ${params.id}`, owner: await owners.incident(params.id, p.operatorId) };
  return undefined;
}

/** Routes registered by plugins (the API docs) that cannot take options: public, as the document itself is. */
const PLUGIN_ROUTES = ['/docs'];

export function installAccess(app: FastifyInstance, deps: AccessDeps): void {
  const { config, clock } = app.deps;
  const declarations: Record<string, AccessDeclaration | undefined> = {};
  app.decorate('accessDeclarations', declarations);
  app.addHook('onRoute', (route) => {
    if (PLUGIN_ROUTES.some((p) => route.url === p || route.url.startsWith(`${p}/`)))
      route.config = { ...route.config, access: route.config?.access ?? ACCESS.everyone };
    for (const method of [route.method].flat()) declarations[routeKey({ method, url: route.url })] = route.config?.access;
  });

  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.url === undefined) return; // no route: the not-found handler answers
    const declaration = req.routeOptions.config.access;
    if (!declaration) {
      req.log.error({ route: `${req.method} ${req.routeOptions.url}` }, 'route without an access declaration: refused');
      throw new Errors.Forbidden('this route declares no roles');
    }
    if (declaration.nodeCredential) {
      req.principal = ANONYMOUS;
      return;
    }
    const bearer = bearerOf(req.headers.authorization);
    const sid = bearer === undefined ? cookieOf(req.headers.cookie, SESSION_COOKIE) : undefined;
    const who =
      sid === undefined
        ? await principalFor(bearer, { adminToken: config.adminToken, tokens: deps.tokens, now: clock() })
        : await sessionPrincipal(req, sid, declaration);
    if (!who.ok) {
      req.log.info({ reason: who.reason }, 'person token refused');
      throw new Errors.Unauthorized();
    }
    req.principal = who.principal;
    let d = decide(who.principal, declaration);
    if (!d.allow && !who.credential && config.anonymousRead && (req.method === 'GET' || req.method === 'HEAD')) {
      req.principal = ANONYMOUS_READER;
      d = decide(ANONYMOUS_READER, declaration);
    }
    if (d.allow) return;
    if (d.code === 'FLEET_UNAUTHORIZED' && !who.credential && !config.adminToken) throw new Errors.Forbidden(NO_ADMIN_TOKEN);
    throw refuse(d, declaration.roles.join(', '));
  });

  /**
   * A session cookie: its token's principal. A stale cookie is no credential (sign-in and public pages
   * still work; no anonymous read either). A state-changing request without the session's CSRF token is
   * refused (FLEET_CSRF_REJECTED), except on routes open to everyone, where the cookie is then ignored.
   */
  async function sessionPrincipal(req: FastifyRequest, sid: string, declaration: AccessDeclaration): Promise<PrincipalResult> {
    const s = await principalForSession(sid, { adminToken: config.adminToken, sessions: deps.sessions, tokens: deps.tokens, now: clock() });
    if (!s.ok) {
      req.log.info({ reason: s.reason }, 'console session refused');
      return { ok: true, principal: ANONYMOUS, credential: true };
    }
    const header = req.headers[CSRF_HEADER];
    const csrfOk = SAFE_METHODS.has(req.method) || csrfMatches(sid, typeof header === 'string' ? header : undefined);
    req.consoleSession = { sid, expiresAt: s.expiresAt, csrfOk };
    if (csrfOk) return { ok: true, principal: s.principal, credential: true };
    if (declaration.roles.includes('public')) return { ok: true, principal: ANONYMOUS, credential: true };
    throw new Errors.CsrfRejected();
  }

  // After the check that path values are storable text (app.ts), before the body is validated.
  app.addHook('preValidation', async (req) => {
    const declaration = req.routeOptions.config.access;
    if (req.routeOptions.url === undefined || !declaration?.scope || STAFF_ROLES.includes(req.principal.role)) return;
    const found = await ownerOf(deps.owners, req.routeOptions.url, req.params as Record<string, string | undefined>, req.principal);
    if (!found) return; // a list: the route filters its rows
    const d = decide(req.principal, declaration, found.owner);
    if (!d.allow) throw new Errors.NotFound(`no ${found.what}`);
  });
}

/** Who made a change, as histories record it: `admin` for the admin token, `person:<id>` for a person's token. */
export function actorOf(req: FastifyRequest): string {
  const p = req.principal;
  if (p.personId === undefined || p.personId === 'admin-token') return p.role;
  return p.personId === ANONYMOUS_READER.personId ? 'anonymous' : `person:${p.personId}`;
}

/**
 * The operator a list route's rows are limited to (`?operator=`, a name or id). Staff get the one they
 * ask for (`undefined`: every row); an operator's token gets its own whatever it asks, and asking for
 * another operator (or one that does not exist) gives `null`: an empty list, the same either way.
 */
export async function listOperator(
  req: FastifyRequest,
  asked: string | undefined,
  sql: import('postgres').Sql,
): Promise<OperatorRecord | null | undefined> {
  const find = (ref: string) =>
    resolveOperator(sql, ref).catch((e: unknown) => {
      if ((e as { code?: string }).code === 'FLEET_NOT_FOUND') return null;
      throw e;
    });
  const p = req.principal;
  if (p.role !== 'operator') return asked === undefined ? undefined : find(asked);
  const own = p.operatorId === undefined ? null : await find(p.operatorId);
  if (own === null || asked === undefined) return own;
  return (await find(asked))?.id === own.id ? own : null;
}
