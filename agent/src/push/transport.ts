/**
 * What the agent's HTTP calls share: TLS trust (system CAs or a CA file), the plain-HTTP rule, and a
 * small request helper on node:http/https. (undici was the first choice; loading it costs ~25 MB of
 * RSS, a third of the agent's budget, for one POST every few seconds. node:http is already in the binary.)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import type https from 'node:https';

// https/tls cost ~9 MB of RSS to load: only when the collector URL is https.
const lazyRequire = createRequire(import.meta.url);
const loadHttps = () => lazyRequire('node:https') as typeof https;

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

export function isLoopback(url: URL): boolean {
  return LOOPBACK.test(url.hostname);
}

/** Returns a problem, or undefined when the URL may be used. */
export function transportProblem(collectorUrl: string, allowInsecureHttp: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(collectorUrl);
  } catch {
    return 'collectorUrl is not a valid URL';
  }
  if (u.protocol === 'https:') return undefined;
  if (u.protocol !== 'http:') return `collectorUrl must be https:// (got ${u.protocol})`;
  if (isLoopback(u) || allowInsecureHttp) return undefined;
  return `collectorUrl uses plain http to a non-loopback host (${u.host}); use https:// or set allowInsecureHttp: true`;
}

/** Where distributions keep the system CA bundle (Debian/Ubuntu, RHEL/Fedora, SUSE, Alpine/BSD). */
export const SYSTEM_CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

/**
 * The configured CA file, else the system bundle read as one PEM file, else Node's bundled store.
 * (Not `tls.getCACertificates('system')`: it costs 10+ MB of RSS against ~1.5 MB for the same PEM file.)
 */
export function trustedCAs(caFile?: string, bundles = SYSTEM_CA_BUNDLES): string[] | undefined {
  if (caFile) return [readFileSync(caFile, 'utf8')];
  for (const f of bundles) {
    try {
      return [readFileSync(f, 'utf8')];
    } catch {
      // next candidate
    }
  }
  return undefined;
}

export interface Transport {
  request(
    url: URL,
    o: { method: string; headers?: Record<string, string>; body?: Buffer | string; timeoutMs: number; signal?: AbortSignal },
  ): Promise<HttpResponse>;
  close(): void;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export class HttpError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const MAX_RESPONSE = 1024 * 1024;

/** Keep-alive agents for http and https; https verifies against `trustedCAs(caFile)`. */
export function makeTransport(opts: { caFile?: string } = {}): Transport {
  let httpsAgent: https.Agent | undefined;
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const agentFor = (u: URL) => {
    if (u.protocol === 'http:') return httpAgent;
    if (!httpsAgent) {
      const ca = trustedCAs(opts.caFile);
      // One secure context for every connection: passing `ca` alone makes Node parse the whole CA
      // bundle again (~10-20 ms of CPU) for each new TLS connection.
      const secureContext = ca ? (lazyRequire('node:tls') as typeof import('node:tls')).createSecureContext({ ca }) : undefined;
      httpsAgent = new (loadHttps().Agent)({ keepAlive: true, maxSockets: 2, ...(secureContext ? { secureContext } : {}) });
    }
    return httpsAgent;
  };
  return {
    request(url, o) {
      return new Promise<HttpResponse>((resolve, reject) => {
        const mod = url.protocol === 'https:' ? loadHttps() : http;
        const req = mod.request(url, { method: o.method, headers: o.headers, agent: agentFor(url) }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= MAX_RESPONSE) chunks.push(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (e) => reject(new HttpError((e as NodeJS.ErrnoException).code ?? 'ERESPONSE', e.message)));
        });
        o.signal?.addEventListener('abort', () => req.destroy(new HttpError('ABORTED', 'aborted')), { once: true });
        req.setTimeout(o.timeoutMs, () => req.destroy(new HttpError('ETIMEDOUT', `no answer within ${o.timeoutMs} ms`)));
        req.on('error', (e) =>
          reject(e instanceof HttpError ? e : new HttpError((e as NodeJS.ErrnoException).code ?? 'EREQUEST', e.message)),
        );
        req.end(o.body);
      });
    },
    close() {
      httpAgent.destroy();
      httpsAgent?.destroy();
    },
  };
}
