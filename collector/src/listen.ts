/**
 * The collector's listening sockets: `listenSockets` of them on one port (SO_REUSEPORT), each with an
 * HTTP(S) server of its own, all serving the one Fastify app.
 *
 * Why more than one: since libuv 1.45 (Node 20 and later; libuv/libuv#3696, "unix: don't accept()
 * connections in a loop") a listening socket gives the process one new connection per turn of the event
 * loop. A turn of a busy collector lasts a few milliseconds (it reads and answers every socket that is
 * ready), so one socket admits a few hundred connections a second. After a restart or a failover every
 * agent reconnects within one interval (20,000 nodes at 5 s: 4,000 new connections a second): measured
 * in `bench:ingest`, about 900 connections waited in the accept queue for over a second while the process
 * answered the reports of the connections it already had, and their first reports took 1-2.5 s: the
 * warm-up's tail. With N sockets the kernel spreads new connections over N accept queues and each turn
 * takes one from each (bench/README.md, "The accept queue").
 *
 * The sockets are the collector's own: SO_REUSEPORT lets only processes of the same user share the
 * port, and a second program's plain bind still fails (port.ts checks the port that way before start).
 * Several collector processes (`processes`, node:cluster) listen through the cluster's primary instead,
 * which accepts for all of them and does nothing else: there one socket per process stays.
 */
import { type Server, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface Listening {
  /** The address Fastify reports for the first socket (http(s)://host:port). */
  address: string;
  /** Every listening socket on the port (1 when siblings are not used). */
  sockets: number;
  /** Stops the sibling sockets' servers, waiting for their requests in flight (the app's own server is closed by app.close()). */
  closeSiblings(): Promise<void>;
}

export interface ListenOptions {
  host: string;
  port: number;
  backlog: number;
  /** Listening sockets on the port, the app's own included. */
  sockets: number;
  /** The collector's TLS certificate and key, when it serves HTTPS itself. */
  tls: { cert: Buffer; key: Buffer } | null;
}

/** What a sibling server takes over from the app's own: its handlers and its timeouts. */
function sibling(main: Server, tls: ListenOptions['tls']): Server {
  const s: Server = tls ? createHttpsServer(tls) : createHttpServer();
  for (const event of ['request', 'clientError', 'checkContinue', 'checkExpectation', 'upgrade'] as const)
    for (const l of main.listeners(event)) s.on(event, l as (...args: unknown[]) => void);
  s.keepAliveTimeout = main.keepAliveTimeout;
  s.requestTimeout = main.requestTimeout;
  s.headersTimeout = main.headersTimeout;
  s.maxRequestsPerSocket = main.maxRequestsPerSocket;
  s.timeout = main.timeout;
  return s;
}

export async function listenOn(app: FastifyInstance, o: ListenOptions): Promise<Listening> {
  const shared = o.sockets > 1;
  const address = await app.listen({ host: o.host, port: o.port, backlog: o.backlog, ...(shared ? { reusePort: true } : {}) });
  const main = app.server as Server;
  const siblings: Server[] = [];
  const closeSiblings = () =>
    Promise.all(siblings.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => {});
  try {
    const { port } = main.address() as AddressInfo;
    for (let i = 1; i < o.sockets; i++) {
      const s = sibling(main, o.tls);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen({ host: o.host, port, backlog: o.backlog, reusePort: true }, () => {
          s.off('error', reject);
          resolve();
        });
      });
      siblings.push(s);
    }
  } catch (e) {
    await closeSiblings();
    throw e;
  }
  return { address, sockets: 1 + siblings.length, closeSiblings };
}
