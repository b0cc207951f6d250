/**
 * Who may do what: every route (or action) declares the roles that may use it and, for operators and
 * partners, whether they are limited to their own resources. `decide` is the one decision.
 *
 * - No token where a role is needed: 401. A role the route does not list: 403 (the route's existence
 *   is public, the OpenAPI document lists it).
 * - A scoped route and a resource of another operator or partner: 404, the same answer as a resource
 *   that does not exist, so an operator cannot learn which node ids or names exist elsewhere.
 * - Staff roles (admin, fleet_lead, finance) are not limited by scope.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Role, STAFF_ROLES } from './roles.ts';

export const AccessScope = Type.Union([Type.Literal('own-operator'), Type.Literal('own-partner')]);
export type AccessScope = Static<typeof AccessScope>;

export const AccessDeclaration = Type.Object(
  {
    roles: Type.Array(Role, { minItems: 1, uniqueItems: true }),
    /** Operators (own-operator) or partners (own-partner) reach only resources that are theirs. */
    scope: Type.Optional(AccessScope),
    /**
     * The route is a node's (an agent's report, its decommission) and checks the node's credential itself:
     * no person's or admin's principal is looked up for it (roles: everyone).
     */
    nodeCredential: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);
export type AccessDeclaration = Static<typeof AccessDeclaration>;

/** Who is asking: the role from their token and the operator or partner they are, if any. */
export interface Principal {
  role: Role;
  personId?: string;
  operatorId?: string;
  partnerId?: string;
}
export const ANONYMOUS: Principal = { role: 'public' };

/** The owner of the resource a request reaches for (a node, incident, statement, maintenance window, ...). */
export interface ResourceOwner {
  operatorId?: string | null;
  /** For an operator's summary or a commission: the partner who referred them. */
  partnerId?: string | null;
}

export type Decision =
  | { allow: true }
  | { allow: false; status: 401 | 403 | 404; code: 'FLEET_UNAUTHORIZED' | 'FLEET_FORBIDDEN' | 'FLEET_NOT_FOUND' };

const UNAUTHORIZED: Decision = { allow: false, status: 401, code: 'FLEET_UNAUTHORIZED' };
const FORBIDDEN: Decision = { allow: false, status: 403, code: 'FLEET_FORBIDDEN' };
const NOT_FOUND: Decision = { allow: false, status: 404, code: 'FLEET_NOT_FOUND' };
const ALLOW: Decision = { allow: true };

/** Does `principal` own `resource` under `scope`? */
function owns(principal: Principal, scope: AccessScope, resource: ResourceOwner): boolean {
  if (scope === 'own-operator') return principal.operatorId !== undefined && resource.operatorId === principal.operatorId;
  return principal.partnerId !== undefined && resource.partnerId === principal.partnerId;
}

/**
 * The decision for one request. `resource`: `undefined` for a route with no particular resource (a
 * list, whose rows the service filters with `visibleTo`), `null` for one that does not exist.
 */
export function decide(principal: Principal, declaration: AccessDeclaration, resource?: ResourceOwner | null): Decision {
  if (!declaration.roles.includes(principal.role)) return principal.role === 'public' ? UNAUTHORIZED : FORBIDDEN;
  if (resource === null) return NOT_FOUND;
  if (declaration.scope === undefined || resource === undefined || STAFF_ROLES.includes(principal.role)) return ALLOW;
  return owns(principal, declaration.scope, resource) ? ALLOW : NOT_FOUND;
}

/** The filter of a scoped list: which rows `principal` may see (every row for staff and unscoped routes). */
export function visibleTo(principal: Principal, declaration: AccessDeclaration): (resource: ResourceOwner) => boolean {
  return (resource) => decide(principal, declaration, resource).allow;
}

/** A route as the router (or the OpenAPI document) lists it. */
export interface RouteRef {
  method: string;
  url: string;
}
export const routeKey = (r: RouteRef): string => `${r.method.toUpperCase()} ${r.url}`;

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * The routes of an OpenAPI document (`paths`), with its `{param}` written `:param` as the router
 * writes them, so declarations keyed by the router's URLs match.
 */
export function openApiRoutes(doc: { paths?: Record<string, Record<string, unknown> | undefined> }): RouteRef[] {
  return Object.entries(doc.paths ?? {}).flatMap(([url, item]) =>
    Object.keys(item ?? {})
      .filter((m) => HTTP_METHODS.has(m))
      .map((m) => ({ method: m.toUpperCase(), url: url.replace(/\{([^}]+)\}/g, ':$1') })),
  );
}

/**
 * Routes with no declaration, and declarations for no route (a renamed route leaves one behind),
 * each as `METHOD /url`, sorted. A test walks every route of the OpenAPI document through this.
 */
export function declarationGaps(
  routes: readonly RouteRef[],
  declarations: Readonly<Record<string, AccessDeclaration>>,
): { undeclared: string[]; unknown: string[] } {
  const keys = new Set(routes.map(routeKey));
  return {
    undeclared: [...keys].filter((k) => !Object.hasOwn(declarations, k)).sort(),
    unknown: Object.keys(declarations)
      .filter((k) => !keys.has(k))
      .sort(),
  };
}

/** A declaration whose scope no listed role is limited by is a mistake (the scope would do nothing, or deny everyone). */
export function declarationProblems(key: string, declaration: AccessDeclaration): string[] {
  const out: string[] = [];
  if (declaration.scope === 'own-operator' && !declaration.roles.includes('operator'))
    out.push(`${key}: scope own-operator without the operator role`);
  if (declaration.scope === 'own-partner' && !declaration.roles.includes('partner'))
    out.push(`${key}: scope own-partner without the partner role`);
  if (declaration.scope !== undefined && declaration.roles.includes('public')) out.push(`${key}: a public route cannot be scoped`);
  return out;
}
