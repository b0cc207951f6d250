/**
 * Console sessions through the real app on a real PostgreSQL: a token becomes a cookie with the token's
 * exact role; the cookie ends with the token (revocation, expiry) and at sign-out; state-changing
 * requests need the session's CSRF token; only the session id's hash is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';

const NOW = Date.UTC(2026, 11, 2, 10);
const ADMIN = 'admin-token-for-tests-0123456789';
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
const clock = new ManualClock(NOW);

beforeAll(async () => {
  db = await createTestDatabase('console_session', { migrated: true });
  c = await testCollector(db.url, clock, { anonymousRead: false });
});
afterAll(async () => {
  await c?.close();
  await db?.drop();
});

async function signIn(token: string) {
  const res = await c.app.inject({ method: 'POST', url: '/v1/session', payload: { token } });
  const setCookie = String(res.headers['set-cookie'] ?? '');
  return { res, setCookie, cookie: setCookie.split(';')[0]!, csrf: res.json().csrf as string };
}

describe('console sessions', () => {
  it('a person token becomes an HttpOnly, SameSite=Strict cookie acting exactly as the token, until the token is revoked', async () => {
    await c.services.program.people.add({ name: 'lee', role: 'fleet_lead' }, 'test', clock.now);
    const { token, row } = await c.services.program.people.issueToken('lee', {}, 'test', clock.now);
    const s = await signIn(token);
    expect(s.res.statusCode, s.res.body).toBe(200);
    expect(s.res.json()).toMatchObject({ signedIn: true, role: 'fleet_lead', name: 'lee' });
    expect(s.setCookie).toMatch(/^timmy_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const sid = /^timmy_session=([^;]+)/.exec(s.setCookie)![1]!;
    const stored = await c.database.sql`select sid_hash from console_sessions`;
    expect(stored.map((r) => r.sid_hash)).not.toContain(sid);

    const who = await c.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie: s.cookie } });
    expect(who.json()).toMatchObject({ signedIn: true, role: 'fleet_lead', csrf: s.csrf });
    expect((await c.app.inject({ method: 'GET', url: '/v1/nodes', headers: { cookie: s.cookie } })).statusCode).toBe(200);
    // A lead is not an admin, through the cookie as through the token.
    const admin = await c.app.inject({
      method: 'POST',
      url: '/v1/admin/people',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      payload: { name: 'x', role: 'finance' },
    });
    expect(admin.statusCode).toBe(403);
    expect(admin.json().code).toBe('FLEET_FORBIDDEN');

    await c.app.inject({ method: 'POST', url: `/v1/admin/tokens/${row.id}/revoke`, headers: { authorization: `Bearer ${ADMIN}` } });
    expect((await c.app.inject({ method: 'GET', url: '/v1/nodes', headers: { cookie: s.cookie } })).statusCode).toBe(401);
    expect((await c.app.inject({ method: 'GET', url: '/v1/session', headers: { cookie: s.cookie } })).json().signedIn).toBe(false);
  });

  it('refuses a state-changing request without the CSRF token (FLEET_CSRF_REJECTED), and takes it with one', async () => {
    const s = await signIn(ADMIN);
    expect(s.res.json()).toMatchObject({ role: 'admin', name: null });
    const payload = { name: 'fin', role: 'finance' };
    const without = await c.app.inject({ method: 'POST', url: '/v1/admin/people', headers: { cookie: s.cookie }, payload });
    expect(without.statusCode).toBe(403);
    expect(without.json().code).toBe('FLEET_CSRF_REJECTED');
    const wrong = await c.app.inject({
      method: 'POST',
      url: '/v1/admin/people',
      headers: { cookie: s.cookie, 'x-csrf-token': 'nope' },
      payload,
    });
    expect(wrong.json().code).toBe('FLEET_CSRF_REJECTED');
    const good = await c.app.inject({
      method: 'POST',
      url: '/v1/admin/people',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      payload,
    });
    expect(good.statusCode, good.body).toBe(201);
  });

  it('expires with its time or its token, refuses unknown tokens, and signs out', async () => {
    expect((await signIn('tfp_nothing')).res.statusCode).toBe(401);
    expect((await signIn('some-node-credential')).res.statusCode).toBe(401);
    await c.services.program.people.add({ name: 'amy', role: 'finance' }, 'test', clock.now);
    const { token } = await c.services.program.people.issueToken('amy', { ttlDays: 1 } as never, 'test', clock.now);
    const s = await signIn(token);
    expect(s.res.statusCode).toBe(200);
    clock.now += 12 * 3_600_000 + 1000;
    expect((await c.app.inject({ method: 'GET', url: '/v1/nodes', headers: { cookie: s.cookie } })).statusCode).toBe(401);

    const t = await signIn(ADMIN);
    const out = await c.app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie: t.cookie } });
    expect(out.statusCode).toBe(403);
    const ok = await c.app.inject({ method: 'DELETE', url: '/v1/session', headers: { cookie: t.cookie, 'x-csrf-token': t.csrf } });
    expect(ok.statusCode).toBe(204);
    expect(String(ok.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await c.app.inject({ method: 'GET', url: '/v1/nodes', headers: { cookie: t.cookie } })).statusCode).toBe(401);
  });
  it('every console page carries the session GET /v1/session answers, closed against markup in its values', async () => {
    const pageSession = (html: string) =>
      JSON.parse(/<script type="application\/json" id="session" data-served-at="\d+">([^<]*)<\/script>/.exec(html)![1]!);
    const out = await c.app.inject({ url: '/fleet' });
    expect(out.statusCode).toBe(200);
    expect(out.headers['cache-control']).toBe('no-store');
    expect(pageSession(out.body)).toEqual((await c.app.inject({ url: '/v1/session' })).json());
    expect(pageSession(out.body).signedIn).toBe(false);

    await c.services.program.people.add({ name: 'kim </script><b>', role: 'fleet_lead' }, 'test', clock.now);
    const { token } = await c.services.program.people.issueToken('kim </script><b>', {}, 'test', clock.now);
    const s = await signIn(token);
    for (const path of ['/fleet', '/status', '/operator/alice']) {
      const page = await c.app.inject({ url: path, headers: { cookie: s.cookie } });
      expect(page.statusCode, path).toBe(200);
      expect(page.headers['cache-control']).toBe('no-store');
      const carried = pageSession(page.body);
      expect(carried).toEqual((await c.app.inject({ url: '/v1/session', headers: { cookie: s.cookie } })).json());
      expect(carried).toMatchObject({ signedIn: true, role: 'fleet_lead', name: 'kim </script><b>', csrf: s.csrf });
      // The name's markup stays inside the JSON: one data block, closed where the collector closed it.
      expect(page.body.match(/<\/script>/g)).toHaveLength(3);
    }
  });
});
