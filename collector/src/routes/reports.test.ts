import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '@timmy/shared';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
let c: Awaited<ReturnType<typeof testCollector>>;
let drop: () => Promise<void>;
const clock = new ManualClock(T0);
let tokenA: string;
let tokenB: string;

const countSamples = async (node?: number) =>
  Number(
    (
      await (node === undefined
        ? c.database.sql`select count(*)::int as n from samples`
        : c.database.sql`select count(*)::int as n from samples where node_id = ${node}`)
    )[0]!.n,
  );

const post = (token: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
  c.app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });

beforeAll(async () => {
  const db = await createTestDatabase('ingest', { migrated: true });
  drop = db.drop;
  c = await testCollector(db.url, clock);
  await c.services.observation.open();
  tokenA = (await c.register('node-a')).token;
  tokenB = (await c.register('node-b')).token;
});
afterAll(async () => {
  await c.close();
  await drop();
});

describe('POST /v1/reports', () => {
  it('stores a good report and acknowledges after commit', async () => {
    const res = await post(tokenA, reportAt([T0 - 5000, T0], { seqStart: 1 }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 2, duplicates: 0, rejected: [], serverTime: T0 });
    expect(await countSamples()).toBe(2);
  });

  it('stores a duplicate report once', async () => {
    const body = reportAt([T0], { seqStart: 50 });
    expect((await post(tokenA, body)).json()).toMatchObject({ accepted: 1, duplicates: 0 });
    const before = await countSamples();
    const again = await post(tokenA, body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await countSamples()).toBe(before);
  });

  it('counts a sample sent in several concurrent reports (one group commit) once, the rest as duplicates', async () => {
    const before = await countSamples();
    const old = reportAt([T0 - 1000], { seqStart: 60 });
    await post(tokenA, old);
    // Three copies of a report with one already-stored sample (seq 60) and one new (seq 61), sent at once.
    const body = reportAt([T0 - 1000, T0], { seqStart: 60 });
    const acks = (await Promise.all([post(tokenA, body), post(tokenA, body), post(tokenA, body)])).map(
      (r) => r.json() as { accepted: number; duplicates: number },
    );
    expect(acks.reduce((n, a) => n + a.accepted, 0)).toBe(1);
    expect(acks.reduce((n, a) => n + a.duplicates, 0)).toBe(5);
    expect(await countSamples()).toBe(before + 2);
  });

  it('accepts the golden fixture (the wire contract both sides test against)', async () => {
    const golden = fixtures.report();
    golden.sentAt = T0;
    golden.samples.forEach((s, i) => (s.ts = T0 - 5000 + i * 5000));
    expect((await post(tokenB, golden)).json()).toMatchObject({ accepted: 2 });
  });

  it.each([
    ['no credential', undefined, 401, 'FLEET_UNAUTHORIZED'],
    ['a malformed credential', 'nope', 401, 'FLEET_UNAUTHORIZED'],
    ['a well-formed but unknown credential', 'tfn_AAAAAAAAAAAA_' + 'x'.repeat(43), 401, 'FLEET_UNAUTHORIZED'],
  ])('refuses %s and writes nothing', async (_why, token, status, code) => {
    const before = await countSamples();
    const res = await post(token, reportAt([T0], { seqStart: 900 }));
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toBe(code);
    expect(await countSamples()).toBe(before);
  });

  it('a right secret with another public id is refused', async () => {
    const [, pubA, secretA] = /^tfn_(\w{12})_(.+)$/.exec(tokenA)!;
    const [, pubB] = /^tfn_(\w{12})_(.+)$/.exec(tokenB)!;
    expect(pubA).not.toBe(pubB);
    const res = await post(`tfn_${pubB}_${secretA}`, reportAt([T0], { seqStart: 901 }));
    expect(res.statusCode).toBe(401);
  });

  it('a body naming another node is refused: identity comes only from the credential', async () => {
    const before = await countSamples();
    const res = await post(tokenA, { ...reportAt([T0], { seqStart: 902 }), nodeId: 'node-b' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('FLEET_BAD_REQUEST');
    expect(await countSamples()).toBe(before);
  });

  it.each(fixtures.invalidReports().map((c) => [c.why, c]))(
    'refuses a malformed report (%s) with 400 and writes nothing',
    async (_why, kase) => {
      const before = await countSamples();
      const res = await post(tokenA, kase.raw ?? kase.body);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('FLEET_BAD_REQUEST');
      expect(await countSamples()).toBe(before);
    },
  );

  it('refuses invalid JSON with a stable code', async () => {
    const res = await post(tokenA, '{"v":1,');
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('FLEET_BAD_REQUEST');
  });

  it('refuses a body over 1 MiB with 413 and writes nothing', async () => {
    const before = await countSamples();
    const big = reportAt([T0], { seqStart: 903 });
    big.agentVersion = 'x';
    const raw = JSON.stringify(big).replace('"agentVersion":"x"', `"agentVersion":"x","pad":"${'y'.repeat(1_100_000)}"`);
    const res = await post(tokenA, raw);
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('FLEET_PAYLOAD_TOO_LARGE');
    expect(await countSamples()).toBe(before);
  });

  it('applies the limit to the decompressed size of a gzip body (a small bomb is refused)', async () => {
    const bomb = gzipSync(Buffer.from(`{"v":1,"pad":"${'0'.repeat(3_000_000)}"}`));
    expect(bomb.length).toBeLessThan(1_048_576);
    const res = await post(tokenA, bomb, { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('FLEET_PAYLOAD_TOO_LARGE');
  });

  it('accepts a gzip-compressed report', async () => {
    const res = await post(tokenA, gzipSync(JSON.stringify(reportAt([T0], { seqStart: 904 }))), { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(200);
    expect(res.json().accepted).toBe(1);
  });

  it('refuses a report whose samples are more than 10 minutes in the future (422) and writes nothing', async () => {
    const before = await countSamples();
    const future = T0 + 11 * 60_000;
    const res = await post(tokenA, reportAt([future], { seqStart: 905, sentAt: future }));
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('FLEET_TIMESTAMP_OUT_OF_RANGE');
    expect(await countSamples()).toBe(before);
  });

  it('refuses bad samples one by one and keeps the good ones of the same report', async () => {
    const body = reportAt([T0, T0 + 11 * 60_000], { seqStart: 910, sentAt: T0 });
    const res = await post(tokenA, body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: [{ seq: 911, code: 'FLEET_TIMESTAMP_OUT_OF_RANGE' }] });
  });

  it('revocation takes effect at the next request', async () => {
    const r = await c.register('node-revoked');
    expect((await post(r.token, reportAt([T0], { seqStart: 1 }))).statusCode).toBe(200);
    const rev = await c.app.inject({
      method: 'POST',
      url: '/v1/admin/nodes/node-revoked/revoke',
      headers: { authorization: 'Bearer admin-token-for-tests-0123456789' },
    });
    expect(rev.json()).toEqual({ revoked: 1 });
    expect((await post(r.token, reportAt([T0], { seqStart: 2 }))).statusCode).toBe(401);
  });

  it('never echoes a credential in an error', async () => {
    const res = await post(tokenA.slice(0, -1) + 'Z', reportAt([T0], { seqStart: 920 }));
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toContain(tokenA.slice(4, 20));
  });
});

describe('admin and reads', () => {
  it('admin endpoints need the admin token', async () => {
    const res = await c.app.inject({ method: 'POST', url: '/v1/admin/nodes', payload: { name: 'x' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('FLEET_UNAUTHORIZED');
  });

  it('registering a node twice is a conflict', async () => {
    const h = { authorization: 'Bearer admin-token-for-tests-0123456789' };
    expect((await c.app.inject({ method: 'POST', url: '/v1/admin/nodes', headers: h, payload: { name: 'dup-node' } })).statusCode).toBe(
      201,
    );
    const res = await c.app.inject({ method: 'POST', url: '/v1/admin/nodes', headers: h, payload: { name: 'dup-node' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('FLEET_CONFLICT');
  });

  it('serves an OpenAPI document listing every route', async () => {
    const doc = (await c.app.inject({ url: '/openapi.json' })).json();
    for (const p of ['/v1/reports', '/v1/nodes', '/v1/nodes/{node}/uptime', '/v1/admin/nodes', '/healthz', '/readyz', '/metrics'])
      expect(Object.keys(doc.paths)).toContain(p);
  });

  it('liveness and readiness answer', async () => {
    expect((await c.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await c.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', observing: true });
  });
});
