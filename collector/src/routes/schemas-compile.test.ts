/**
 * The collector compiles a route's request and reply schemas on the route's first request (app.ts), so a
 * schema that cannot compile would not stop a start: here every schema of a built app is compiled, and
 * one that cannot compile fails this test instead of that route's first request.
 */
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';
import Fastify from 'fastify';
import { compileAllSchemas, schemaCompilers } from '../app.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;

beforeAll(async () => {
  db = await createTestDatabase('schemas', { migrated: true });
  compileAllSchemas(); // what earlier files in this worker left
  c = await testCollector(db.url, new ManualClock(Date.now()));
  await c.app.ready(); // the routes registered, as listen() does
});

afterAll(async () => {
  await c?.close();
  await db?.drop();
});

describe('route schemas', () => {
  it('none is compiled by building the app; every one compiles', () => {
    // Request schemas (body, query, params, headers) and reply schemas per status, over a hundred routes.
    expect(compileAllSchemas()).toBeGreaterThan(200);
    expect(compileAllSchemas()).toBe(0);
  });

  it('a schema that cannot compile fails compileAllSchemas, not the build', async () => {
    const app = Fastify({ schemaController: { compilersFactory: schemaCompilers } });
    app.get('/broken', { schema: { querystring: Type.Object({ n: Type.Unsafe({ type: 'no-such-type' }) }) } }, async () => 'ok');
    await app.ready();
    expect(() => compileAllSchemas()).toThrow(/no-such-type|type must be|schema is invalid/);
    await app.close();
  });

  it('a request is validated by the schema compiled on its first use', async () => {
    const app = Fastify({ schemaController: { compilersFactory: schemaCompilers } });
    app.get('/n', { schema: { querystring: Type.Object({ n: Type.Integer() }) } }, async () => 'ok');
    await app.ready();
    expect((await app.inject({ url: '/n?n=x' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/n?n=1' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/n?n=1.5' })).json().message).toMatch(/querystring\/n must be integer/);
    await app.close();
  });
});
