/** Test support: a local HTTP receiver on 127.0.0.1 and a sample notification. Not used in production. */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Notification } from './channel.ts';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: unknown;
}

export type Responder = (req: ReceivedRequest, res: ServerResponse) => void;

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  respond(r: Responder): void;
  close(): Promise<void>;
}

export const replyJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

export async function startReceiver(responder: Responder = (_q, res) => replyJson(res, 200, {})): Promise<Receiver> {
  let current = responder;
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const r: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body };
      requests.push(r);
      current(r, res);
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (r) => {
      current = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);

export function sampleNotification(over: Partial<Notification> = {}): Notification {
  return {
    idempotencyKey: 'inc-1/opened/ch',
    incidentId: 'inc-1',
    incidentKey: 'region:eu:P1',
    transition: 'opened',
    severity: 'P1',
    summary: 'region eu outage, 3/4: 3 node(s) down (eu-0, eu-1, eu-2)',
    nodes: [
      { id: 'eu-0', operatorId: 'op0', region: 'eu' },
      { id: 'eu-1', operatorId: 'op1', region: 'eu' },
      { id: 'eu-2', operatorId: 'op0', region: 'eu' },
    ],
    operatorIds: ['op0', 'op1'],
    regions: ['eu'],
    flapping: false,
    openedAt: T0,
    resolvedAt: null,
    at: T0,
    ackUrl: 'https://fleet.example/v1/incidents/inc-1/ack?t=abc',
    incidentUrl: 'https://fleet.example/incidents/inc-1',
    ...over,
  };
}
