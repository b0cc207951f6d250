import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from './http.ts';
import { runOnce } from './testkit.ts';

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.statusCode = req.url === '/health' ? 200 : 503;
    res.end('x');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('http probe', () => {
  it('ok on the expected status', async () => {
    const out = await runOnce(http, { url: `${base}/health` });
    expect(out.status).toBe('ok');
    expect(out.values?.statusCode).toBe(200);
  });
  it('fails with the configured severity on another status', async () => {
    const out = await runOnce(http, { url: `${base}/down`, severity: 'warn' });
    expect(out.status).toBe('warn');
    expect(out.message).toMatch(/answered 503 \(expected 200\)/);
  });
  it('fails on a refused connection, without echoing credentials from the URL', async () => {
    const out = await runOnce(http, { url: 'http://user:secret@127.0.0.1:1/x?token=abc' });
    expect(out.status).toBe('critical');
    expect(out.message).not.toMatch(/secret|abc/);
  });
});
