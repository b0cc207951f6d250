/**
 * The role walk: every route of the OpenAPI document, as every role, through the real app on a real
 * PostgreSQL. A route without an access declaration fails here; every answer must be the declaration's
 * (401 without a token, 403 for a role it does not list, through for one it does), and operator A
 * reaching for operator B's node, operator record or incident, by id and by name, gets exactly the
 * answer of a resource that does not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';
import {
  type AccessDeclaration,
  type Role,
  ROLES,
  declarationGaps,
  declarationProblems,
  decide,
  openApiRoutes,
  routeKey,
} from '../program/index.ts';
import { ACCESS } from './access.ts';

const NOW = Date.UTC(2026, 10, 20);
const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
const clock = new ManualClock(NOW);
/** Who walks: a header per caller. */
const callers: Record<string, { role: Role; headers: Record<string, string> }> = {};
/** Ids of operator B's resources (and nonexistent ones), to fill path parameters. */
const ids = { nodeB: 0, opB: 0, incidentB: 'inc-bob-1', maintenance: 0, partnerQ: 0, spareToken: 0 };

/** Routes that check a credential of their own (a node's, an enrollment token, an acknowledge link): open to everyone at the hook. */
const OWN_CREDENTIAL = ['POST /v1/reports', 'POST /v1/node/decommission', 'POST /v1/enroll', 'GET /v1/incidents/:id/ack'];
/** A route's own condition on top of its declaration: acknowledging without a link's token takes a lead. */
const WITHOUT_LINK: Record<string, AccessDeclaration> = { 'POST /v1/incidents/:id/ack': ACCESS.lead };
/** Streams: the walk asks for a snapshot that closes (the stream itself stays open until the client leaves). */
const QUERY: Record<string, string> = { 'GET /v1/events': '?once=true' };
/** Write routes anyone may call (each checks its own credential, or is the public application form). */
const PUBLIC_WRITES = [
  ...OWN_CREDENTIAL.filter((k) => !k.startsWith('GET')),
  'POST /v1/incidents/:id/ack',
  'POST /v1/applications',
  // The console's sign-in (a token in the body) and sign-out (its own session's CSRF check).
  'POST /v1/session',
  'DELETE /v1/session',
];

async function person(name: string, role: Role, extra: { operator?: string; partner?: string } = {}) {
  if (role === 'public') return;
  await c.services.program.people.add({ name, role: role, ...extra }, 'test', clock.now);
  const { token } = await c.services.program.people.issueToken(name, {}, 'test', clock.now);
  callers[name] = { role, headers: { authorization: `Bearer ${token}` } };
}

beforeAll(async () => {
  db = await createTestDatabase('access_walk', { migrated: true });
  c = await testCollector(db.url, clock, { anonymousRead: false });
  const sql = c.database.sql;
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  for (const op of ['alice', 'bob'])
    expect(
      (await c.app.inject({ method: 'PUT', url: `/v1/admin/operators/${op}`, headers: admin, payload: { region: 'eu' } })).statusCode,
    ).toBe(200);
  await c.register('a1', { operator: 'alice', region: 'eu' });
  ids.nodeB = (await c.register('b1', { operator: 'bob', region: 'eu' })).nodeId;
  const [bob] = await sql<{ id: number }[]>`select id::int4 as id from operators where name = 'bob'`;
  ids.opB = bob!.id;
  await sql`insert into incidents (id, key, severity, status, summary, scope_type, operator_ids, regions, alert_keys, opened_at)
            values (${ids.incidentB}, 'k-bob', 'P2', 'open', 'b1 offline', 'node', '["bob"]'::jsonb, '["eu"]'::jsonb, '[]'::jsonb, ${new Date(NOW)})`;
  const [w] = await sql<
    { id: number }[]
  >`insert into maintenance_windows (scope, target, starts_at, ends_at, declared_by, reason, created_at)
            values ('node', ${String(ids.nodeB)}, ${new Date(NOW + 86_400_000)}, ${new Date(NOW + 90_000_000)}, 'lead', 'kernel', ${new Date(NOW)}) returning id::int4 as id`;
  ids.maintenance = w!.id;
  for (const [name, code] of Object.entries({ 'partner-p': 'PCODE', 'partner-q': 'QCODE' }))
    await sql`insert into partners (name, referral_code, created_by) values (${name}, ${code}, 'test')`;
  const [q] = await sql<{ id: number }[]>`select id::int4 as id from partners where name = 'partner-q'`;
  ids.partnerQ = q!.id;
  callers.public = { role: 'public', headers: {} };
  callers['admin-token'] = { role: 'admin', headers: admin };
  // A person who never walks: the token routes revoke and issue theirs.
  await c.services.program.people.add({ name: 'spare', role: 'finance' }, 'test', clock.now);
  ids.spareToken = (await c.services.program.people.issueToken('spare', {}, 'test', clock.now)).row.id;
  await person('ada', 'admin');
  await person('lee', 'fleet_lead');
  await person('fin', 'finance');
  await person('opA', 'operator', { operator: 'alice' });
  await person('partnerP', 'partner', { partner: 'partner-p' });
  // The same people through a console session: the cookie and its CSRF token instead of the bearer.
  for (const [who, caller] of Object.entries(callers)) {
    if (caller.role === 'public') continue;
    const token = caller.headers.authorization!.slice('Bearer '.length);
    const res = await c.app.inject({ method: 'POST', url: '/v1/session', payload: { token } });
    expect(res.statusCode, res.body).toBe(200);
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    callers[`cookie:${who}`] = { role: caller.role, headers: { cookie, 'x-csrf-token': res.json().csrf } };
  }
});

afterAll(async () => {
  await c?.close();
  await db?.drop();
});

/** The URL of a route with B's resources in its path (or, `missing`, ones that do not exist). */
function fill(url: string, by: 'id' | 'name', missing = false): string {
  return url.replace(/:([A-Za-z]+)/g, (_m, p: string) => {
    if (p === 'node') return missing ? (by === 'id' ? '987654' : 'no-such-node') : by === 'id' ? String(ids.nodeB) : 'b1';
    if (p === 'op' || p === 'operator') return missing ? (by === 'id' ? '987654' : 'no-such-op') : by === 'id' ? String(ids.opB) : 'bob';
    if (p === 'partner') return missing ? 'no-such-partner' : by === 'id' ? String(ids.partnerQ) : 'partner-q';
    if (p === 'id' && url.startsWith('/v1/incidents/')) return missing ? 'inc-none' : ids.incidentB;
    if (p === 'id' && url.startsWith('/v1/admin/tokens/')) return String(ids.spareToken);
    if (p === 'person') return 'spare';
    if (p === 'id') return String(ids.maintenance);
    return 'eu';
  });
}

const inject = (method: string, url: string, headers: Record<string, string>) =>
  c.app.inject({
    method: method as 'GET',
    url,
    headers: method === 'GET' || method === 'DELETE' ? headers : { ...headers, 'content-type': 'application/json' },
    ...(method === 'GET' || method === 'DELETE' ? {} : { payload: '{}' }),
  });

describe('every route declares its roles', () => {
  it('the OpenAPI document has no route without a declaration, and no declaration is a mistake', () => {
    const routes = openApiRoutes(c.app.swagger() as Parameters<typeof openApiRoutes>[0]);
    expect(routes.length).toBeGreaterThan(20);
    const declared = Object.fromEntries(Object.entries(c.app.accessDeclarations).flatMap(([k, d]) => (d ? [[k, d]] : [])));
    expect(declarationGaps(routes, declared).undeclared).toEqual([]);
    expect(Object.entries(declared).flatMap(([k, d]) => declarationProblems(k, d))).toEqual([]);
  });

  it('holds the policy: admin routes are the admin role only; writes without a token only where a route checks its own credential', () => {
    const routes = openApiRoutes(c.app.swagger() as Parameters<typeof openApiRoutes>[0]);
    for (const r of routes) {
      const k = routeKey(r);
      const d = c.app.accessDeclarations[k]!;
      if (r.url.startsWith('/v1/admin/')) expect(d.roles, k).toEqual(['admin']);
      if (r.method !== 'GET' && d.roles.includes('public')) expect(PUBLIC_WRITES, k).toContain(k);
      // An operator or partner reaches a path with a resource in it only through a scope.
      if ((d.roles.includes('operator') || d.roles.includes('partner')) && !d.roles.includes('public') && r.url.includes(':'))
        expect(d.scope, k).toBeDefined();
    }
  });
});

describe('the walk: every route × every role', () => {
  it('answers as each route declares (401 without a token, 403 for a role not listed, through otherwise)', {
    timeout: 240_000,
  }, async () => {
    const routes = openApiRoutes(c.app.swagger() as Parameters<typeof openApiRoutes>[0]).filter(
      (r) => !OWN_CREDENTIAL.includes(routeKey(r)),
    );
    const seen = new Set<string>();
    let cells = 0;
    for (const r of routes) {
      const key = routeKey(r);
      const d = WITHOUT_LINK[key] ?? c.app.accessDeclarations[key]!;
      for (const [who, caller] of Object.entries(callers)) {
        // A session's caller does not sign itself out mid-walk.
        if (who.startsWith('cookie:') && r.url === '/v1/session') continue;
        const res = await inject(r.method, fill(r.url, 'name') + (QUERY[key] ?? ''), caller.headers);
        cells++;
        seen.add(caller.role);
        const expected = decide({ role: caller.role }, d);
        const label = `${key} as ${who}: ${res.statusCode} ${res.body.slice(0, 200)}`;
        if (expected.allow) {
          expect(res.statusCode, label).not.toBe(401);
          if (res.statusCode === 403) expect(res.json().message, label).not.toMatch(/^this route is for/);
        } else {
          expect(res.statusCode, label).toBe(expected.status);
          expect(res.json().code, label).toBe(expected.code);
        }
      }
    }
    expect([...seen].sort()).toEqual([...ROLES].sort());
    console.log(`role walk: ${routes.length} routes × ${Object.keys(callers).length} callers = ${cells} requests`);
  });

  it("operator A reaching for B's resources, by id and by name, gets what a missing one gets: 404 FLEET_NOT_FOUND", async () => {
    const opA = callers.opA!;
    const scoped = openApiRoutes(c.app.swagger() as Parameters<typeof openApiRoutes>[0]).filter((r) => {
      const d = c.app.accessDeclarations[routeKey(r)]!;
      return d.scope === 'own-operator' && r.url.includes(':');
    });
    expect(scoped.map(routeKey)).toEqual(
      expect.arrayContaining([
        'GET /v1/nodes/:node',
        'GET /v1/incidents/:id',
        'GET /v1/operators/:op/uptime',
        'GET /v1/nodes/:node/uptime/days',
        'GET /v1/operators/:op/uptime/days',
        'GET /v1/nodes/:node/overview',
        'GET /v1/nodes/:node/series',
        'GET /v1/operators/:op/nodes',
        'GET /v1/operators/:op/incidents',
        'GET /v1/operators/:op/maintenance',
        'GET /v1/operators/:op/nodes/uptime/days',
      ]),
    );
    for (const r of scoped)
      for (const by of ['id', 'name'] as const) {
        const theirs = await inject(r.method, fill(r.url, by), opA.headers);
        const none = await inject(r.method, fill(r.url, by, true), opA.headers);
        const label = `${routeKey(r)} by ${by}: ${theirs.body}`;
        expect(theirs.statusCode, label).toBe(404);
        expect(theirs.json().code, label).toBe('FLEET_NOT_FOUND');
        // Nothing in the answer tells someone else's resource from one that does not exist (but the name asked for).
        const asked = (url: string) => decodeURIComponent(url.split('/').find((seg, i) => seg !== r.url.split('/')[i]) ?? '');
        const same = (res: typeof theirs, url: string) => ({ ...res.json(), message: res.json().message.replace(asked(url), '<ref>') });
        expect(same(theirs, fill(r.url, by)), label).toEqual(same(none, fill(r.url, by, true)));
      }
  });

  it("partner P reaching for partner Q's record, commission estimate, statements and disputes, by id and by name, gets what a missing one gets", async () => {
    const p = callers.partnerP!;
    const scoped = openApiRoutes(c.app.swagger() as Parameters<typeof openApiRoutes>[0]).filter(
      (r) => c.app.accessDeclarations[routeKey(r)]!.scope === 'own-partner',
    );
    expect(scoped.map(routeKey)).toEqual(
      expect.arrayContaining([
        'GET /v1/partners/:partner',
        'GET /v1/partners/:partner/pay/estimate',
        'GET /v1/partners/:partner/disputes',
        'POST /v1/partners/:partner/statements/:month/disputes',
      ]),
    );
    for (const r of scoped)
      for (const by of ['id', 'name'] as const) {
        const theirs = await inject(r.method, fill(r.url, by), p.headers);
        const none = await inject(r.method, fill(r.url, by, true), p.headers);
        const label = `${routeKey(r)} by ${by}: ${theirs.body}`;
        expect([theirs.statusCode, theirs.json().code], label).toEqual([404, 'FLEET_NOT_FOUND']);
        expect({ ...theirs.json(), message: '' }, label).toEqual({ ...none.json(), message: '' });
      }
    expect((await inject('GET', '/v1/partners/partner-p/pay/estimate', p.headers)).statusCode).toBe(200);
    expect((await inject('GET', '/v1/partners/partner-p/disputes', p.headers)).statusCode).toBe(200);
  });

  it("the fleet lists: an operator's token lists its own nodes and incidents only, whatever it asks; staff filter by ?operator=", async () => {
    const opA = callers.opA!;
    const names = async (url: string, headers: Record<string, string>) => {
      const r = await inject('GET', url, headers);
      expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
      const body = r.json();
      return (Array.isArray(body) ? body : body.incidents).map((x: { name?: string; id: string }) => x.name ?? x.id);
    };
    await c.database
      .sql`insert into incidents (id, key, severity, status, summary, scope_type, operator_ids, regions, alert_keys, opened_at)
      values ('inc-alice-1', 'k-alice', 'P2', 'open', 'a1 offline', 'node', '["alice"]'::jsonb, '["eu"]'::jsonb, '[]'::jsonb, ${new Date(NOW)})
      on conflict do nothing`;
    expect(await names('/v1/nodes', opA.headers)).toEqual(['a1']);
    expect(await names('/v1/nodes?operator=alice', opA.headers)).toEqual(['a1']);
    expect(await names(`/v1/nodes?operator=${ids.opB}`, opA.headers)).toEqual([]);
    expect(await names('/v1/nodes?operator=bob', opA.headers)).toEqual([]);
    expect(await names('/v1/nodes?operator=no-such-op', opA.headers)).toEqual([]);
    expect(await names('/v1/nodes?state=UP', opA.headers)).toEqual([]); // a1 never reported: untracked
    expect(await names('/v1/nodes?state=untracked', opA.headers)).toEqual(['a1']);
    expect(await names('/v1/nodes?state=untracked&operator=bob', opA.headers)).toEqual([]);
    expect(await names('/v1/incidents', opA.headers)).toEqual(['inc-alice-1']);
    expect(await names('/v1/incidents?operator=bob', opA.headers)).toEqual([]);
    const admin = callers['admin-token']!.headers;
    expect(await names('/v1/nodes', admin)).toEqual(['a1', 'b1']);
    expect(await names('/v1/nodes?operator=bob', admin)).toEqual(['b1']);
    expect(await names(`/v1/incidents?operator=${ids.opB}`, callers.lee!.headers)).toEqual([ids.incidentB]);
    // A partner is not an operator: the lists are not theirs.
    expect((await inject('GET', '/v1/nodes', callers.partnerP!.headers)).statusCode).toBe(403);
  });

  it('operator A reads their own node and uptime', async () => {
    const opA = callers.opA!;
    expect((await inject('GET', '/v1/nodes/a1', opA.headers)).statusCode).toBe(200);
    expect((await inject('GET', '/v1/operators/alice/uptime', opA.headers)).statusCode).toBe(200);
    for (const url of [
      '/v1/nodes/a1/uptime/days',
      '/v1/nodes/a1/overview',
      '/v1/nodes/a1/series',
      '/v1/operators/alice/uptime/days',
      '/v1/operators/alice/nodes',
      '/v1/operators/alice/nodes/uptime/days',
      '/v1/nodes?state=UP&limit=5',
    ])
      expect((await inject('GET', url, opA.headers)).statusCode, url).toBe(200);
  });

  it("a node's own routes look up no person principal: any bearer that is not the node's credential, the admin token's too, is refused by the route itself", async () => {
    const d = c.app.accessDeclarations;
    expect(d['POST /v1/reports']).toEqual(ACCESS.node);
    expect(d['POST /v1/node/decommission']).toEqual(ACCESS.node);
    for (const who of Object.keys(callers)) {
      const r = await inject('POST', '/v1/reports', callers[who]!.headers);
      expect(r.statusCode, who).toBe(401);
      expect(r.json().code, who).toBe('FLEET_UNAUTHORIZED');
    }
  });

  it('the console routes: the status page and the event stream need no token; the fleet and region bars are staff', () => {
    const d = c.app.accessDeclarations;
    expect(d['GET /v1/status']).toEqual(ACCESS.everyone);
    expect(d['GET /v1/events']).toEqual(ACCESS.everyone);
    expect(d['GET /v1/fleet/uptime/days']).toEqual(ACCESS.staff);
    expect(d['GET /v1/regions/:region/uptime/days']).toEqual(ACCESS.staff);
    expect(d['GET /v1/fleet/overview']).toEqual(ACCESS.staff);
    expect(d['GET /v1/operators/:op/nodes/uptime/days']).toEqual(ACCESS.ownOperator);
  });
});
