/**
 * `timmy-fleet join <collector-url> --token <enrollment-token>`: registers this node with a
 * single-use enrollment token, receives the node's own credential, writes it (0600) and the config.
 */
import { chownSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hostname } from 'node:os';
import { parseDocument } from 'yaml';
import { Value } from '@sinclair/typebox/value';
import { EnrollRequest, EnrollResponse } from '@timmy/shared';
import { atomicWrite } from './push/buffer.ts';
import { makeTransport, transportProblem } from './push/transport.ts';
import { collectInventory } from './probes/inventory.ts';

export interface JoinOptions {
  collectorUrl: string;
  token: string;
  configPath: string;
  stateDir: string;
  credentialFile: string;
  caFile?: string;
  allowInsecureHttp: boolean;
  user?: string;
  timeoutMs?: number;
}

export class JoinError extends Error {}

export async function join_(o: JoinOptions): Promise<EnrollResponse> {
  const problem = transportProblem(o.collectorUrl, o.allowInsecureHttp);
  if (problem) throw new JoinError(problem);
  const inventory = await Promise.race([collectInventory().catch(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), 20_000).unref())]);
  const body: EnrollRequest = { token: o.token, hostname: hostname().slice(0, 255), ...(inventory ? { inventory } : {}) };
  const base = o.collectorUrl.endsWith('/') ? o.collectorUrl : `${o.collectorUrl}/`;
  const transport = makeTransport({ caFile: o.caFile });
  let status: number;
  let text: string;
  try {
    ({ status, text } = await transport.request(new URL('v1/enroll', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), timeoutMs: o.timeoutMs ?? 30_000 }));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new JoinError(`cannot reach ${o.collectorUrl}: ${err.code ?? err.name} ${err.message}`);
  } finally {
    transport.close();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (status < 200 || status >= 300) {
    const p = (parsed ?? {}) as { code?: string; message?: string };
    throw new JoinError(`enrollment refused: HTTP ${status}${p.code ? ` ${p.code}` : ''}${p.message ? `: ${p.message}` : ''}`);
  }
  if (!Value.Check(EnrollResponse, parsed)) throw new JoinError(`unexpected enrollment answer from ${o.collectorUrl}`);
  const res = parsed;
  mkdirSync(dirname(o.credentialFile), { recursive: true, mode: 0o750 });
  mkdirSync(o.stateDir, { recursive: true, mode: 0o750 });
  atomicWrite(o.credentialFile, `${res.credential}\n`, 0o600);
  atomicWrite(join(o.stateDir, 'credential.json'), JSON.stringify({ nodeId: res.nodeId, expiresAt: res.expiresAt, joinedAt: Date.now() }));
  // Run as root (sudo) against a state directory systemd made for the service user: hand the files to that user.
  if (process.getuid?.() === 0) {
    const { uid, gid } = statSync(o.stateDir);
    if (uid !== 0) for (const f of [o.credentialFile, join(o.stateDir, 'credential.json')]) chownSync(f, uid, gid);
  }
  writeConfig(o);
  return res;
}

/** Creates the config file, or updates only the join-related keys of an existing one (comments kept). */
export function writeConfig(o: JoinOptions): void {
  mkdirSync(dirname(o.configPath), { recursive: true, mode: 0o755 });
  const doc = existsSync(o.configPath) ? parseDocument(readFileSync(o.configPath, 'utf8')) : parseDocument(DEFAULT_CONFIG_TEXT);
  doc.set('collectorUrl', o.collectorUrl);
  doc.set('credentialFile', o.credentialFile);
  doc.set('stateDir', o.stateDir);
  if (o.caFile) doc.set('caFile', o.caFile);
  if (o.allowInsecureHttp) doc.set('allowInsecureHttp', true);
  if (o.user) doc.set('user', o.user);
  atomicWrite(o.configPath, doc.toString(), 0o644);
}

export const DEFAULT_CONFIG_TEXT = `# timmy-fleet agent configuration (written by \`timmy-fleet join\`; edit freely).
# Every key is optional except collectorUrl; see the README for the full reference.
collectorUrl: https://collector.example
credentialFile: /var/lib/timmy/fleet/credential
stateDir: /var/lib/timmy/fleet
intervalS: 5
# The user whose ~/.hermes and tmux sessions are watched:
user: hermes
# caFile: /etc/timmy/fleet/ca.pem
# buffer: { maxBytes: 67108864 }
# probes: leave out to use the runbook checklist (gateway unit, tmux BURN/BURN2/FORGE, disk /,
# cron results, dispatch queue, credentials state, load+memory). Listing probes replaces it, e.g.:
# probes:
#   - { type: systemd, name: gateway, unit: ai.hermes.gateway, slaCritical: true }
#   - { type: disk, mount: /, warnPct: 85, criticalPct: 90 }
`;
