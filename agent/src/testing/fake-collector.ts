/**
 * A minimal stand-in for the collector, for the agent's cross-process tests and its benchmark
 * (not for production): POST /v1/reports stores each (stream, seq) once and answers a ReportAck;
 * POST /v1/enroll hands out a credential for a known token; GET serves install files.
 * Listens on 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { Report, checker, type Sample } from '@timmy/shared';

const reportChecker = checker(Report);

export interface FakeCollector {
  url: string;
  port: number;
  /** (stream:seq) → the sample as first stored. */
  stored: Map<string, Sample>;
  duplicates: number;
  /** Same (stream, seq) with different content: must stay 0. */
  conflicts: number;
  requests: number;
  bytesIn: number;
  inventories: unknown[];
  /** When set, /v1/reports answers this status (e.g. 503) without storing. */
  failWith?: number;
  token: string;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeCollector(
  opts: { port?: number; token?: string; enrollToken?: string; files?: Record<string, string>; tls?: { key: string; cert: string } } = {},
): Promise<FakeCollector> {
  const fc: FakeCollector = {
    url: '',
    port: 0,
    stored: new Map(),
    duplicates: 0,
    conflicts: 0,
    requests: 0,
    bytesIn: 0,
    inventories: [],
    token: opts.token ?? 'node-credential-0123456789abcdef',
    close: async () => {},
  };
  const handler: RequestListener = async (req, res) => {
    const send = (status: number, obj: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', date: new Date().toUTCString(), ...headers });
      res.end(JSON.stringify(obj));
    };
    try {
      if (req.method === 'GET' && opts.files?.[req.url ?? '']) {
        res.writeHead(200);
        return res.end(readFileSync(opts.files[req.url!]!));
      }
      if (req.method === 'POST' && req.url === '/v1/enroll') {
        const b = JSON.parse((await body(req)).toString()) as { token?: string; hostname?: string };
        if (b.token !== (opts.enrollToken ?? 'enroll-token-123'))
          return send(401, {
            statusCode: 401,
            code: 'FLEET_UNAUTHORIZED',
            error: 'Unauthorized',
            message: 'invalid or used enrollment token',
          });
        return send(201, { nodeId: `node-${b.hostname}`, credential: fc.token, expiresAt: Date.now() + 90 * 86400_000 });
      }
      if (req.method !== 'POST' || req.url !== '/v1/reports') return send(404, { code: 'FLEET_NOT_FOUND' });
      fc.requests++;
      if (req.headers.authorization !== `Bearer ${fc.token}`)
        return send(401, { statusCode: 401, code: 'FLEET_UNAUTHORIZED', error: 'Unauthorized', message: 'bad credential' });
      if (fc.failWith) return send(fc.failWith, { code: 'FLEET_UNAVAILABLE' });
      const raw = await body(req);
      fc.bytesIn += raw.length;
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString();
      const report = JSON.parse(text) as unknown;
      if (!reportChecker.check(report))
        return send(400, {
          statusCode: 400,
          code: 'FLEET_BAD_REQUEST',
          error: 'Bad Request',
          message: JSON.stringify(reportChecker.problems(report, 3)),
        });
      if (report.inventory) fc.inventories.push(report.inventory);
      let accepted = 0;
      let duplicates = 0;
      for (const s of report.samples) {
        const key = `${report.stream}:${s.seq}`;
        const prev = fc.stored.get(key);
        if (!prev) {
          fc.stored.set(key, s);
          accepted++;
        } else {
          duplicates++;
          if (JSON.stringify(prev) !== JSON.stringify(s)) fc.conflicts++;
        }
      }
      fc.duplicates += duplicates;
      send(200, { accepted, duplicates, rejected: [], serverTime: Date.now() });
    } catch (e) {
      send(500, { code: 'FLEET_INTERNAL', message: (e as Error).message });
    }
  };
  const server: Server = opts.tls ? createTlsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createServer(handler);
  // Like the real collector (keepAliveTimeout 65 s): agents reuse one connection across 5-s pushes.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  fc.port = (server.address() as AddressInfo).port;
  fc.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${fc.port}`;
  fc.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return fc;
}

/** A free loopback port (for a collector that is "down" now and comes up later on the same port). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
