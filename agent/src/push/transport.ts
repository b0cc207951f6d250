/** What the agent's HTTP calls share: TLS trust (system CAs or a CA file) and the plain-HTTP rule. */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { Agent } from 'undici';

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

/** System CAs plus Node's bundled ones, or exactly the configured CA file. */
export function trustedCAs(caFile?: string): string[] | undefined {
  if (caFile) return [readFileSync(caFile, 'utf8')];
  const get = (tls as unknown as { getCACertificates?: (t: string) => string[] }).getCACertificates;
  if (!get) return undefined; // older Node: its bundled CAs
  try {
    return [...get('default'), ...get('system')];
  } catch {
    return undefined;
  }
}

export function makeDispatcher(opts: { caFile?: string; timeoutMs: number }): Agent {
  const ca = trustedCAs(opts.caFile);
  return new Agent({
    connect: { ...(ca ? { ca } : {}), timeout: opts.timeoutMs },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    keepAliveTimeout: 30_000,
    connections: 2,
  });
}
