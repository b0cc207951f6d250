/**
 * `timmy-fleet join <collector-url> --token <enrollment-token>`: registers this node with a
 * single-use enrollment token, receives the node's own credential, writes it (0600) and the config.
 */
import { chownSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hostname } from 'node:os';
import { parseDocument } from 'yaml';
import { Value } from '@sinclair/typebox/value';
import { type EnrollRequest, EnrollResponse } from '@timmy/shared';
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

/** Exit codes `join` (and so the installer) uses: 3 collector unreachable, 5 enrollment refused, 6 cannot write. */
export const JOIN_EXIT = { unreachable: 3, refused: 5, cannotWrite: 6 } as const;

export class JoinError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Runs a file write; a full or read-only disk becomes a one-line JoinError (exit 6), nothing else is caught. */
function writing<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT')
      throw new JoinError(`cannot write ${path}: no space left on device (free some space and re-run)`, JOIN_EXIT.cannotWrite);
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM')
      throw new JoinError(`cannot write ${path}: ${code}`, JOIN_EXIT.cannotWrite);
    throw e;
  }
}

export async function join_(o: JoinOptions): Promise<EnrollResponse> {
  const problem = transportProblem(o.collectorUrl, o.allowInsecureHttp);
  if (problem) throw new JoinError(problem, JOIN_EXIT.refused);
  const inventory = await Promise.race([
    collectInventory().catch(() => undefined),
    new Promise<undefined>((r) => setTimeout(() => r(undefined), 20_000).unref()),
  ]);
  const body: EnrollRequest = { token: o.token, hostname: hostname().slice(0, 255), ...(inventory ? { inventory } : {}) };
  const base = o.collectorUrl.endsWith('/') ? o.collectorUrl : `${o.collectorUrl}/`;
  const transport = makeTransport({ caFile: o.caFile });
  let status: number;
  let text: string;
  try {
    ({ status, text } = await transport.request(new URL('v1/enroll', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      timeoutMs: o.timeoutMs ?? 30_000,
    }));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new JoinError(`cannot reach ${o.collectorUrl}: ${err.code ?? err.name} ${err.message}`, JOIN_EXIT.unreachable);
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
    const why = `HTTP ${status}${p.code ? ` ${p.code}` : ''}${p.message ? `: ${p.message}` : ''}`;
    if (status >= 500) throw new JoinError(`the collector at ${o.collectorUrl} failed to enroll this node: ${why}`, JOIN_EXIT.unreachable);
    throw new JoinError(`enrollment refused: ${why}`, JOIN_EXIT.refused);
  }
  if (!Value.Check(EnrollResponse, parsed))
    throw new JoinError(`unexpected enrollment answer from ${o.collectorUrl}`, JOIN_EXIT.unreachable);
  const res = parsed;
  writing(o.stateDir, () => {
    // Parents the service user must pass through (/var/lib/timmy) are 0755; only the state directory is 0750.
    for (const d of new Set([dirname(o.stateDir), dirname(dirname(o.credentialFile))])) mkdirSync(d, { recursive: true, mode: 0o755 });
    mkdirSync(dirname(o.credentialFile), { recursive: true, mode: 0o750 });
    mkdirSync(o.stateDir, { recursive: true, mode: 0o750 });
  });
  writing(o.credentialFile, () => atomicWrite(o.credentialFile, `${res.credential}\n`, 0o600));
  writing(join(o.stateDir, 'credential.json'), () =>
    atomicWrite(
      join(o.stateDir, 'credential.json'),
      JSON.stringify({ nodeId: res.nodeId, expiresAt: res.expiresAt, joinedAt: Date.now() }),
    ),
  );
  // Run as root (sudo) against a state directory systemd made for the service user: hand the files to that user.
  if (process.getuid?.() === 0) {
    const { uid, gid } = statSync(o.stateDir);
    if (uid !== 0) for (const f of [o.credentialFile, join(o.stateDir, 'credential.json')]) chownSync(f, uid, gid);
  }
  writing(o.configPath, () => writeConfig(o));
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
