/**
 * listenOn: several listening sockets on one port, each answering with the same app (its routes and
 * hooks), over HTTP and HTTPS; the port held against other programs while they listen, free after.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { selfSignedCert } from '../../test/support/tls.ts';
import { listenOn } from './listen.ts';
import { portFree } from './port.ts';

const HOST = '127.0.0.1';

/** Listening sockets on the port, as the kernel lists them. */
const socketsOn = (port: number) =>
  execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.trim()).length;

/** An app whose route says which of the listening servers accepted the connection, with a hook's header. */
function testApp(https: { cert: Buffer; key: Buffer } | null) {
  // As app.ts builds it: Fastify's types pick a server type from the options, the collector's is one type.
  const app = Fastify((https ? { https } : {}) as FastifyServerOptions);
  const servers = new Map<Server, number>();
  app.addHook('onRequest', async (_req, reply) => {
    reply.header('x-hook', 'ran');
  });
  app.get('/who', async (req) => {
    const server = (req.raw.socket as unknown as { server: Server }).server;
    if (!servers.has(server)) servers.set(server, servers.size);
    return { server: servers.get(server) };
  });
  return { app, servers };
}

/** One GET on a connection of its own (no keep-alive agent): each request is a new connection to accept. */
function get(url: string, ca?: Buffer): Promise<{ status: number; hook: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { agent: false, ...(ca ? { ca } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, hook: res.headers['x-hook'] as string | undefined, body }));
    });
    req.on('error', reject);
    // A socket that no server answers hangs: fail it rather than wait for the test's own timeout.
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url} in 30 s`)));
    req.end();
  });
}

describe('listenOn: several sockets on one port, one app', () => {
  it('answers on every socket with the same routes and hooks, holds the port against other programs, and frees it', async () => {
    const { app, servers } = testApp(null);
    const listening = await listenOn(app, { host: HOST, port: 0, backlog: 511, sockets: 4, tls: null });
    let closed = false;
    onTestFinished(async () => {
      if (!closed) await Promise.all([listening.closeSiblings(), app.close()]);
    });
    const port = Number(new URL(listening.address).port);
    expect(listening.sockets).toBe(4);
    expect(socketsOn(port)).toBe(4);
    // Another program's plain bind is refused while they listen (port.ts checks that way before a start).
    expect(await portFree({ host: HOST, port })).toBe(false);

    const replies = await Promise.all(Array.from({ length: 64 }, () => get(`${listening.address}/who`)));
    for (const r of replies) {
      expect(r.status).toBe(200);
      expect(r.hook).toBe('ran');
    }
    // The kernel spread 64 new connections over the four sockets: more than one server answered.
    expect(new Set(replies.map((r) => r.body)).size).toBeGreaterThan(1);
    expect(servers.size).toBeGreaterThan(1);

    await Promise.all([listening.closeSiblings(), app.close()]);
    closed = true;
    expect(socketsOn(port)).toBe(0);
    expect(await portFree({ host: HOST, port })).toBe(true);
  });

  it('serves HTTPS on every socket when the collector holds a certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'timmy-listen-tls-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const files = selfSignedCert(dir);
    const tls = { cert: readFileSync(files.cert), key: readFileSync(files.key) };
    const { app, servers } = testApp(tls);
    const listening = await listenOn(app, { host: HOST, port: 0, backlog: 511, sockets: 3, tls });
    onTestFinished(() => Promise.all([listening.closeSiblings(), app.close()]).then(() => {}));
    expect(listening.address).toMatch(/^https:/);
    const replies = await Promise.all(Array.from({ length: 24 }, () => get(`${listening.address}/who`, tls.cert)));
    for (const r of replies) expect([r.status, r.hook]).toEqual([200, 'ran']);
    expect(servers.size).toBeGreaterThan(1);
    // Plain HTTP is answered by none of them.
    await expect(get(`${listening.address.replace('https:', 'http:')}/who`)).rejects.toThrow();
  });

  it('one socket: a plain listen, no shared port', async () => {
    const { app } = testApp(null);
    const listening = await listenOn(app, { host: HOST, port: 0, backlog: 511, sockets: 1, tls: null });
    onTestFinished(() => Promise.all([listening.closeSiblings(), app.close()]).then(() => {}));
    const port = Number(new URL(listening.address).port);
    expect([listening.sockets, socketsOn(port)]).toEqual([1, 1]);
    expect((await get(`${listening.address}/who`)).status).toBe(200);
  });
});
