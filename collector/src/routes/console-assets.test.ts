/**
 * The console's index.html names what a page loads so that it loads alongside the shell: the shell's
 * chunks everywhere, and each page's own (its chunk, what that imports, uPlot for the node page) on that
 * page's paths; every file named is served, and the inline script's CSP hash still matches.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;

beforeAll(async () => {
  db = await createTestDatabase('console_assets', { migrated: true });
  c = await testCollector(db.url, new ManualClock(Date.UTC(2026, 11, 2)), { anonymousRead: false });
}, 120_000);
afterAll(async () => {
  await c?.close();
  await db?.drop();
});

const preloads = (html: string) => [...html.matchAll(/<link rel="modulepreload" href="\/assets\/([^"]+)">/g)].map((m) => m[1]!);

describe("each page's index.html", () => {
  it('names the shell chunks everywhere and the page’s own files on its paths; every one is served', async () => {
    const home = await c.app.inject({ url: '/' });
    expect(home.statusCode).toBe(200);
    const shellChunks = preloads(home.body);
    expect(shellChunks.length).toBeGreaterThan(0);
    const seen: Record<string, string[]> = {};
    for (const path of ['/fleet', '/operator/alice', '/node/n1', '/status', '/signin']) {
      const r = await c.app.inject({ url: path });
      expect(r.statusCode, path).toBe(200);
      const own = preloads(r.body).filter((f) => !shellChunks.includes(f));
      expect(preloads(r.body), path).toEqual(expect.arrayContaining(shellChunks));
      seen[path] = own;
      // The inline theme script is still the one the policy allows.
      const script = /<script>([^<]*)<\/script>/.exec(r.body)![1]!;
      expect(String(r.headers['content-security-policy'])).toContain(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);
      for (const f of preloads(r.body)) expect((await c.app.inject({ url: `/assets/${f}` })).statusCode, f).toBe(200);
    }
    expect(seen['/node/n1']!.some((f) => f.startsWith('node-'))).toBe(true);
    expect(seen['/node/n1']!.some((f) => f.startsWith('uPlot'))).toBe(true);
    expect(seen['/fleet']!.some((f) => f.startsWith('fleet-'))).toBe(true);
    expect(seen['/fleet']!.some((f) => f.startsWith('uPlot'))).toBe(false);
    expect(preloads(home.body).some((f) => /^(fleet|node|operator)-/.test(f))).toBe(false);
  });
});
describe('compression', () => {
  it('a JSON reply of 1 KB or more goes gzipped to a client that takes it, the same JSON; small ones and the pre-gzipped assets as they are', async () => {
    const url = '/openapi.json';
    const plain = await c.app.inject({ url });
    const gz = await c.app.inject({ url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect([gz.statusCode, gz.headers['content-encoding'], gz.headers.vary]).toEqual([200, 'gzip', 'accept-encoding']);
    expect(gz.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
    expect(JSON.parse(gunzipSync(gz.rawPayload).toString())).toEqual(plain.json());
    const small = await c.app.inject({ url: '/healthz', headers: { 'accept-encoding': 'gzip' } });
    expect(small.headers['content-encoding']).toBeUndefined();
    const asset = preloads((await c.app.inject({ url: '/' })).body)[0]!;
    const a = await c.app.inject({ url: `/assets/${asset}`, headers: { 'accept-encoding': 'gzip' } });
    expect(a.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(a.rawPayload).toString()).toBe((await c.app.inject({ url: `/assets/${asset}` })).body);
  });
});
