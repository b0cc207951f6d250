import { describe, expect, it } from 'vitest';
import {
  ANONYMOUS,
  decide,
  openApiRoutes,
  declarationGaps,
  declarationProblems,
  visibleTo,
  type AccessDeclaration,
  type Principal,
  type ResourceOwner,
} from './access.ts';

/** A sample of the collector's routes, declared as the real ones will be. */
const ROUTES: Record<string, AccessDeclaration> = {
  'GET /v1/status': { roles: ['admin', 'fleet_lead', 'finance', 'operator', 'partner', 'public'] },
  'GET /v1/nodes/:id': { roles: ['admin', 'fleet_lead', 'operator'], scope: 'own-operator' },
  'POST /v1/maintenance': { roles: ['admin', 'fleet_lead', 'operator'], scope: 'own-operator' },
  'GET /v1/statements/:id': { roles: ['admin', 'finance', 'operator'], scope: 'own-operator' },
  'GET /v1/partners/:id/operators': { roles: ['admin', 'finance', 'partner'], scope: 'own-partner' },
  'POST /v1/admin/tasks/import': { roles: ['admin', 'finance'] },
};

const admin: Principal = { role: 'admin', personId: 'ada' };
const lead: Principal = { role: 'fleet_lead', personId: 'lee' };
const finance: Principal = { role: 'finance', personId: 'fin' };
const opA: Principal = { role: 'operator', personId: 'alice', operatorId: 'op-a' };
const opB: Principal = { role: 'operator', personId: 'bob', operatorId: 'op-b' };
const partnerP: Principal = { role: 'partner', personId: 'pat', partnerId: 'pa-p' };
const partnerQ: Principal = { role: 'partner', personId: 'quinn', partnerId: 'pa-q' };
/** A resource of operator A, referred by partner P. */
const ofA: ResourceOwner = { operatorId: 'op-a', partnerId: 'pa-p' };

describe("decide: every role on every sample route, reaching for operator A's resource", () => {
  // Expected statuses worked from the declarations: 200 allow, 401 no token, 403 role not listed, 404 not theirs.
  const expected: Record<string, Record<string, number>> = {
    'GET /v1/status': { admin: 200, lead: 200, finance: 200, opA: 200, opB: 200, partnerP: 200, partnerQ: 200, anonymous: 200 },
    'GET /v1/nodes/:id': { admin: 200, lead: 200, finance: 403, opA: 200, opB: 404, partnerP: 403, partnerQ: 403, anonymous: 401 },
    'POST /v1/maintenance': { admin: 200, lead: 200, finance: 403, opA: 200, opB: 404, partnerP: 403, partnerQ: 403, anonymous: 401 },
    'GET /v1/statements/:id': { admin: 200, lead: 403, finance: 200, opA: 200, opB: 404, partnerP: 403, partnerQ: 403, anonymous: 401 },
    'GET /v1/partners/:id/operators': {
      admin: 200,
      lead: 403,
      finance: 200,
      opA: 403,
      opB: 403,
      partnerP: 200,
      partnerQ: 404,
      anonymous: 401,
    },
    'POST /v1/admin/tasks/import': {
      admin: 200,
      lead: 403,
      finance: 200,
      opA: 403,
      opB: 403,
      partnerP: 403,
      partnerQ: 403,
      anonymous: 401,
    },
  };
  const principals: Record<string, Principal> = { admin, lead, finance, opA, opB, partnerP, partnerQ, anonymous: ANONYMOUS };
  const cases = Object.entries(expected).flatMap(([route, byWho]) =>
    Object.entries(byWho).map(([who, status]) => ({ route, who, status })),
  );

  it.each(cases)('$route as $who → $status', ({ route, who, status }) => {
    const d = decide(principals[who]!, ROUTES[route]!, ofA);
    expect(d.allow ? 200 : d.status).toBe(status);
  });

  it('the table covers every sample route', () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(ROUTES).sort());
  });
});

describe("operator A reaching for operator B's things: indistinguishable from things that do not exist", () => {
  // The store as a route would see it: each resource found by id and by name.
  const owners: Record<string, Record<string, ResourceOwner>> = {
    node: {
      'n-17': { operatorId: 'op-b' },
      'bob-fra-1': { operatorId: 'op-b' },
      'n-3': { operatorId: 'op-a' },
      'alice-ams-1': { operatorId: 'op-a' },
    },
    incident: { 'inc-9': { operatorId: 'op-b' }, 'inc-9-name': { operatorId: 'op-b' }, 'inc-2': { operatorId: 'op-a' } },
    statement: { 'st-2027-04-op-b': { operatorId: 'op-b' }, 'st-2027-04-op-a': { operatorId: 'op-a' } },
    maintenance: { 'mw-5': { operatorId: 'op-b' }, 'sunday-window-bob': { operatorId: 'op-b' }, 'mw-1': { operatorId: 'op-a' } },
  };
  const scoped: AccessDeclaration = { roles: ['admin', 'fleet_lead', 'operator'], scope: 'own-operator' };
  const lookup = (kind: string, key: string) => owners[kind]![key] ?? null;

  it.each([
    ['node', 'n-17'],
    ['node', 'bob-fra-1'],
    ['incident', 'inc-9'],
    ['incident', 'inc-9-name'],
    ['statement', 'st-2027-04-op-b'],
    ['maintenance', 'mw-5'],
    ['maintenance', 'sunday-window-bob'],
  ])('%s %s of B → 404, the same answer as a %s that does not exist', (kind, key) => {
    const theirs = decide(opA, scoped, lookup(kind, key));
    const missing = decide(opA, scoped, lookup(kind, `${key}-does-not-exist`));
    expect(theirs).toEqual({ allow: false, status: 404, code: 'FLEET_NOT_FOUND' });
    expect(theirs).toEqual(missing);
    expect(decide(opB, scoped, lookup(kind, key))).toEqual({ allow: true });
    expect(decide(admin, scoped, lookup(kind, key))).toEqual({ allow: true });
  });

  it.each([
    ['node', 'n-3'],
    ['node', 'alice-ams-1'],
    ['incident', 'inc-2'],
    ['statement', 'st-2027-04-op-a'],
    ['maintenance', 'mw-1'],
  ])('%s %s of A → allowed for A', (kind, key) => {
    expect(decide(opA, scoped, lookup(kind, key))).toEqual({ allow: true });
  });

  it('an operator principal without an operator id owns nothing', () => {
    expect(decide({ role: 'operator', personId: 'x' }, scoped, { operatorId: undefined })).toMatchObject({ status: 404 });
  });

  it("a list keeps only the caller's rows", () => {
    const rows = Object.entries(owners.node!).map(([id, o]) => ({ id, ...o }));
    expect(rows.filter(visibleTo(opA, scoped)).map((r) => r.id)).toEqual(['n-3', 'alice-ams-1']);
    expect(rows.filter(visibleTo(lead, scoped))).toHaveLength(4);
  });
});

describe('declarationGaps and declarationProblems', () => {
  it('reports routes without a declaration and declarations without a route', () => {
    const routes = [
      { method: 'get', url: '/v1/status' },
      { method: 'GET', url: '/v1/nodes/:id' },
      { method: 'DELETE', url: '/v1/nodes/:id' },
      { method: 'POST', url: '/v1/applications' },
    ];
    const declared = {
      'GET /v1/status': ROUTES['GET /v1/status']!,
      'GET /v1/nodes/:id': ROUTES['GET /v1/nodes/:id']!,
      'GET /v1/old-name': { roles: ['admin'] },
    } satisfies Record<string, AccessDeclaration>;
    expect(declarationGaps(routes, declared)).toEqual({
      undeclared: ['DELETE /v1/nodes/:id', 'POST /v1/applications'],
      unknown: ['GET /v1/old-name'],
    });
  });

  it('reads the routes of an OpenAPI document, {param} as :param, leaving out non-method keys', () => {
    const doc = {
      paths: {
        '/v1/nodes/{id}': { get: {}, delete: {}, parameters: [] },
        '/v1/operators/{operatorId}/statements/{month}': { get: {}, summary: 'x' },
        '/v1/status': { get: {} },
      },
    };
    expect(openApiRoutes(doc)).toEqual([
      { method: 'GET', url: '/v1/nodes/:id' },
      { method: 'DELETE', url: '/v1/nodes/:id' },
      { method: 'GET', url: '/v1/operators/:operatorId/statements/:month' },
      { method: 'GET', url: '/v1/status' },
    ]);
    expect(declarationGaps(openApiRoutes(doc), ROUTES).undeclared).toEqual([
      'DELETE /v1/nodes/:id',
      'GET /v1/operators/:operatorId/statements/:month',
    ]);
  });

  it.each([
    [{ roles: ['admin', 'finance'], scope: 'own-operator' }, ['K: scope own-operator without the operator role']],
    [{ roles: ['operator'], scope: 'own-partner' }, ['K: scope own-partner without the partner role']],
    [{ roles: ['operator', 'public'], scope: 'own-operator' }, ['K: a public route cannot be scoped']],
    [{ roles: ['operator'], scope: 'own-operator' }, []],
  ] satisfies Array<[AccessDeclaration, string[]]>)('%j → %j', (decl, problems) => {
    expect(declarationProblems('K', decl)).toEqual(problems);
  });
});
