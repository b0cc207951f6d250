/**
 * Bad requests get a 4xx with a stable FLEET_* code and the right reason phrase, never a 500 and never
 * an uncoded reply: NUL bytes and lone surrogates anywhere, ids beyond what ids can be, dates and
 * months outside what is kept, windows in every accepted form, unknown routes, Fastify's own errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';
import { loadConfig } from '../config.ts';
import { startCollector } from '../runtime.ts';

const H = 3_600_000;
const D = 24 * H;
const NOW = Date.UTC(2026, 11, 2, 4, 0, 0);
const ADMIN = { authorization: 'Bearer admin-token-for-tests-0123456789' };
const clock = new ManualClock(NOW);
let c: Awaited<ReturnType<typeof testCollector>>;
let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase('badinput', { migrated: true });
  c = await testCollector(db.url, clock);
  await c.register('n1', { operator: 'op1', region: 'eu' });
  // A daily window with no end (the input that expanded millions of occurrences for `to=9999-12-31`).
  clock.now = NOW - 20 * D;
  const m = await c.app.inject({
    method: 'POST',
    url: '/v1/admin/maintenance',
    headers: ADMIN,
    payload: {
      scope: 'fleet',
      start: new Date(NOW - 10 * D).toISOString(),
      end: new Date(NOW - 10 * D + H).toISOString(),
      recurrence: 'daily',
      declaredBy: 'lead',
      reason: 'nightly',
    },
  });
  expect(m.statusCode, m.body).toBe(201);
  clock.now = NOW;
  await c.database
    .sql`insert into state_intervals (node_id, state, start_at, end_at, cause, evidence) select id, 'UP', ${new Date(NOW - 20 * D)}, null, 'heartbeat', '{}'::jsonb from nodes`;
  await c.database.sql`update nodes set current_state = 'UP'`;
});
afterAll(async () => {
  await c.close();
  await db.drop();
});

const call = (method: string, url: string, payload?: unknown, headers: Record<string, string> = ADMIN) =>
  c.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });

describe('deterministic bad input is a 400 with a code, never a 500', () => {
  it.each([
    ['a NUL in a path value', 'GET', '/v1/nodes/a%00b'],
    ['a NUL in a region path value', 'GET', '/v1/regions/a%00/uptime'],
    ['a NUL in a query value', 'GET', '/v1/incidents?node=a%00b'],
    ['a node id beyond bigint', 'GET', '/v1/nodes/99999999999999999999'],
    ['a node id beyond bigint (uptime)', 'GET', '/v1/nodes/99999999999999999999/uptime'],
    ['an operator id beyond bigint', 'GET', '/v1/operators/99999999999999999999/uptime'],
    ['a maintenance id beyond what ids can be', 'DELETE', '/v1/admin/maintenance/99999999999999999'],
    ['a node id beyond bigint (revoke)', 'POST', '/v1/admin/nodes/99999999999999999999/revoke'],
    ['from=0001-01-01', 'GET', '/v1/nodes/n1/uptime?from=0001-01-01T00:00:00Z&to=2026-11-01T00:00:00Z'],
    ['from=0001-01-01 (fleet)', 'GET', '/v1/fleet/uptime?from=0001-01-01T00:00:00Z&to=2026-11-01T00:00:00Z'],
    ['month=9999-12', 'GET', '/v1/nodes/n1/uptime?month=9999-12'],
    ['month=9999-12 (operator)', 'GET', '/v1/operators/op1/uptime?month=9999-12'],
    ['month=0026-11 (never read as 1926)', 'GET', '/v1/nodes/n1/uptime?month=0026-11'],
    [
      'a NUL in a maintenance declaration',
      'POST',
      '/v1/admin/maintenance',
      { scope: 'fleet', start: '2026-12-10T02:00:00Z', end: '2026-12-10T04:00:00Z', declaredBy: 'a\u0000b', reason: 'r' },
    ],
    [
      'a NUL in a maintenance target',
      'POST',
      '/v1/admin/maintenance',
      { scope: 'region', region: 'eu\u0000', start: '2026-12-10T02:00:00Z', end: '2026-12-10T04:00:00Z', declaredBy: 'a', reason: 'r' },
    ],
    ['a NUL in an enrollment token request', 'POST', '/v1/admin/enrollment-tokens', { operator: 'op\u0000' }],
    ['a NUL in an enrollment', 'POST', '/v1/enroll', { token: 'tokentoken', hostname: 'h\u0000' }],
    ['a NUL in a node registration', 'POST', '/v1/admin/nodes', { name: 'x', operator: 'op\u0000' }],
    ['a NUL in an operator name', 'PUT', '/v1/admin/operators/op%00', { tier: 'senior' }],
    ['a NUL in an operator region', 'PUT', '/v1/admin/operators/op2', { region: 'e\u0000u' }],
    ['a NUL in a resolution', 'POST', '/v1/incidents/1/resolve', { cause: 'c\u0000', resolution: 'r' }],
  ])('%s', async (_why, method, url, payload?: unknown) => {
    const r = await call(method, url, payload);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json()).toMatchObject({ statusCode: 400, code: 'FLEET_BAD_REQUEST', error: 'Bad Request' });
  });

  it('names the field and says what the rule is', async () => {
    expect((await call('GET', '/v1/incidents?node=a%00b')).json().message).toBe(
      'querystring/node must not contain a NUL byte or a lone surrogate',
    );
    expect((await call('POST', '/v1/admin/enrollment-tokens', { operator: 'op\u0000' })).json().message).toBe(
      'body/operator must not contain a NUL byte or a lone surrogate',
    );
    expect((await call('GET', '/v1/nodes/n1/uptime?month=0026-11')).json().message).toMatch(/^month must be between 2025-10 and 2027-12/);
  });
});

describe('the API document', () => {
  it('shows the text rule and the window forms', async () => {
    const r = await call('GET', '/openapi.json');
    expect(r.statusCode).toBe(200);
    const doc = JSON.stringify(r.json());
    expect(doc).toContain('"format":"text"');
    expect(doc).toContain('24h, 7d, 30d, 90d, or any other Nd (days) or Nh (hours)');
  });
});

describe('ranges are bounded to the history kept and to now', () => {
  it('to=9999-12-31 with a daily window that never ends answers up to now', async () => {
    const r = await call('GET', `/v1/nodes/n1/uptime?from=${new Date(NOW - 7 * D).toISOString()}&to=9999-12-31T00:00:00Z&intervals=true`);
    expect(r.statusCode, r.body).toBe(200);
    const v = r.json();
    expect([v.from, v.to]).toEqual([new Date(NOW - 7 * D).toISOString(), new Date(NOW).toISOString()]);
    expect(v.maintenanceSeconds).toBe(7 * 3600);
    expect(v.upSeconds).toBe(7 * 24 * 3600 - 7 * 3600);
    const fleet = await call('GET', `/v1/fleet/uptime?from=${new Date(NOW - 7 * D).toISOString()}&to=9999-12-31T00:00:00Z`);
    expect(fleet.statusCode, fleet.body).toBe(200);
    expect(fleet.json()).toMatchObject({ to: new Date(NOW).toISOString(), maintenanceSeconds: 7 * 3600 });
  });
});

describe('?window= takes 24h, 7d, 30d, 90d and any Nd / Nh up to the retention', () => {
  it.each([
    ['24h', 24 * H],
    ['7d', 7 * D],
    ['30d', 30 * D],
    ['90d', 90 * D],
    ['400d', 400 * D],
    ['36h', 36 * H],
  ])('window=%s', async (w, ms) => {
    for (const url of [`/v1/nodes/n1/uptime?window=${w}`, `/v1/operators/op1/uptime?window=${w}`, `/v1/fleet/uptime?window=${w}`]) {
      const r = await call('GET', url);
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ from: new Date(NOW - ms).toISOString(), to: new Date(NOW).toISOString() });
    }
  });

  it.each(['401d', '1w', '0h', 'abc', '30'])('window=%s is refused, listing the accepted forms', async (w) => {
    const r = await call('GET', `/v1/nodes/n1/uptime?window=${w}`);
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'FLEET_BAD_REQUEST', error: 'Bad Request' });
    expect(r.json().message).toMatch(/^window must be 24h, 7d, 30d, 90d, or any other Nd \(days\) or Nh \(hours\), up to 400d/);
  });
});

describe('every error carries a code and the reason phrase of its status', () => {
  it.each([
    ['an unknown route', 'GET', '/nope', undefined, {}, 404, 'FLEET_NOT_FOUND', 'Not Found'],
    ['an unknown admin route', 'POST', '/v1/admin/nope', undefined, ADMIN, 404, 'FLEET_NOT_FOUND', 'Not Found'],
    ['a bad URL encoding', 'GET', '/v1/nodes/%E0%A4%A', undefined, ADMIN, 400, 'FLEET_BAD_REQUEST', 'Bad Request'],
    ['a path parameter too long', 'GET', `/v1/nodes/${'a'.repeat(200)}`, undefined, ADMIN, 400, 'FLEET_BAD_REQUEST', 'Bad Request'],
    ['no credential', 'POST', '/v1/admin/nodes', { name: 'x' }, {}, 401, 'FLEET_UNAUTHORIZED', 'Unauthorized'],
    ['a refused ack link', 'GET', '/v1/incidents/1/ack?token=abc', undefined, {}, 403, 'FLEET_FORBIDDEN', 'Forbidden'],
    ['a missing node', 'GET', '/v1/nodes/missing', undefined, ADMIN, 404, 'FLEET_NOT_FOUND', 'Not Found'],
    ['a node registered twice', 'POST', '/v1/admin/nodes', { name: 'n1' }, ADMIN, 409, 'FLEET_CONFLICT', 'Conflict'],
    [
      'a body over the limit',
      'POST',
      '/v1/admin/nodes',
      { name: 'x'.repeat(1_100_000) },
      ADMIN,
      413,
      'FLEET_PAYLOAD_TOO_LARGE',
      'Payload Too Large',
    ],
    [
      'maintenance declared in the past',
      'POST',
      '/v1/admin/maintenance',
      { scope: 'fleet', start: '2026-01-01T00:00:00Z', end: '2026-01-01T01:00:00Z', declaredBy: 'a', reason: 'r' },
      ADMIN,
      422,
      'FLEET_MAINTENANCE_IN_PAST',
      'Unprocessable Entity',
    ],
  ])('%s', async (_why, method, url, payload, headers, status, code, error) => {
    const r = await call(method, url, payload, headers);
    expect(r.statusCode, r.body).toBe(status);
    expect(r.json()).toMatchObject({ statusCode: status, code, error });
  });

  it('a 415 says Unsupported Media Type', async () => {
    const r = await c.app.inject({
      method: 'POST',
      url: '/v1/admin/nodes',
      headers: { ...ADMIN, 'content-type': 'application/xml' },
      payload: '<x/>',
    });
    expect(r.json(), r.body).toMatchObject({ statusCode: 415, code: 'FLEET_UNSUPPORTED_MEDIA_TYPE', error: 'Unsupported Media Type' });
  });
});

describe('without an admin token', () => {
  it('says at startup (a warning in the log) and in the reply what to set', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const config = { ...loadConfig({ LOG_LEVEL: 'silent', TIMMY_PORT: '0' }), databaseUrl: db.url };
    const running = await startCollector(config, { clock: clock.fn, log });
    try {
      expect(lines.map((l) => JSON.parse(l).msg)).toContainEqual(
        expect.stringMatching(/no admin token configured.*TIMMY_ADMIN_TOKEN.*TIMMY_ANONYMOUS_READ=true/),
      );
      const read = await fetch(`${running.url}/v1/nodes`);
      const readBody = (await read.json()) as { code: string; error: string; message: string };
      expect(read.status).toBe(403);
      expect(readBody).toMatchObject({ code: 'FLEET_FORBIDDEN', error: 'Forbidden' });
      expect(readBody.message).toMatch(/TIMMY_ADMIN_TOKEN.*TIMMY_ANONYMOUS_READ=true/);
      const admin = await fetch(`${running.url}/v1/admin/nodes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'y' }),
      });
      expect(admin.status).toBe(403);
      expect(((await admin.json()) as { message: string }).message).toMatch(/set TIMMY_ADMIN_TOKEN/);
    } finally {
      await running.stop();
    }
  });
});
