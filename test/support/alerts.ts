/**
 * Alerting end-to-end support: a webhook receiver that records what it answered per idempotency
 * key, and a collector config with short thresholds (seconds instead of minutes).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { replyJson, startReceiver, type ReceivedRequest } from '../../collector/src/alerts/channels/testing.ts';
import { ONLY_NODE_OFFLINE } from './alert-rules.ts';
import { createTestDatabase } from './pg.ts';
import { startAgentProcess, startCollectorProcess, stop, type Proc } from './processes.ts';

export type Mode = 'ok' | 'fail' | 'hang';

export interface Answered {
  key: string;
  transition: string;
  status: number;
  body: any;
  at: number;
}

/** A webhook receiver: `mode` decides the answer (200, 500, or never). */
export async function hookReceiver() {
  let mode: Mode = 'ok';
  const answered: Answered[] = [];
  const hanging: ServerResponse[] = [];
  const r = await startReceiver((req: ReceivedRequest, res) => {
    const key = String(req.headers['idempotency-key'] ?? '');
    const transition = String((req.body as any)?.commonAnnotations?.transition ?? '');
    if (mode === 'hang') {
      hanging.push(res);
      return;
    }
    const status = mode === 'ok' ? 200 : 500;
    answered.push({ key, transition, status, body: req.body, at: Date.now() });
    replyJson(res, status, {});
  });
  return {
    url: r.url,
    requests: r.requests,
    answered,
    setMode(m: Mode) {
      mode = m;
    },
    /** Requests answered 200, i.e. deliveries. */
    delivered: () => answered.filter((a) => a.status === 200),
    deliveredTransitions: () => answered.filter((a) => a.status === 200).map((a) => a.transition),
    async close() {
      for (const h of hanging) h.destroy();
      await r.close();
    },
  };
}
export type HookReceiver = Awaited<ReturnType<typeof hookReceiver>>;

/** Counts per key of the delivered requests: every value must be 1 for "exactly once". */
export function perKey(list: Answered[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of list) out[a.key] = (out[a.key] ?? 0) + 1;
  return out;
}

export interface ShortThresholds {
  forMs?: number;
  graceMs?: number;
  restartGraceMs?: number;
  retry?: { baseMs?: number; capMs?: number; leaseMs?: number };
  publicUrl?: string;
  ackLinkSecret?: string;
}

/**
 * A collector YAML config: heartbeats every 0.5 s, node-offline after `graceMs` without one and
 * `forMs` more (default 1.5 s + 3 s instead of 15 s + 5 min), one webhook channel, every other
 * default rule off (disk thresholds depend on the machine running the tests).
 */
export function alertsConfigFile(hookUrl: string, o: ShortThresholds = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'timmy-alerts-'));
  const off = ONLY_NODE_OFFLINE;
  const cfg = {
    ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}),
    sla: { heartbeatIntervalS: 0.5, restartGraceS: 2 },
    alerts: {
      evaluateIntervalS: 0.25,
      dispatchIntervalS: 0.25,
      ...(o.ackLinkSecret ? { ackLinkSecret: o.ackLinkSecret } : {}),
      rules: {
        restartGraceMs: o.restartGraceMs ?? 2000,
        rules: [{ id: 'node_offline', forMs: o.forMs ?? 3000, graceMs: o.graceMs ?? 1500, cooldownMs: 0 }, ...off],
      },
      channels: [{ type: 'webhook', name: 'lead', url: `${hookUrl}/hook` }],
      routing: { default: ['lead'], escalation: ['lead'] },
      retry: { baseMs: 300, capMs: 1000, leaseMs: 3000, ...o.retry },
    },
  };
  const file = join(dir, 'collector.yaml');
  writeFileSync(file, JSON.stringify(cfg, null, 2)); // JSON is YAML
  return file;
}

/**
 * One scenario: a test database (blank, or `migrated`: see createTestDatabase), a webhook receiver and
 * the collector config; every process started through it is SIGKILLed by `release` (then the receiver
 * closes and the database is dropped).
 */
export async function alertScenario(
  label: string,
  o: ShortThresholds = {},
  env: Record<string, string> = {},
  database: { migrated?: boolean } = {},
) {
  const db = await createTestDatabase(label, database);
  const hook = await hookReceiver();
  const config = alertsConfigFile(hook.url, o);
  const procs: Proc[] = [];
  const track = <P extends Proc>(p: P): P => (procs.push(p), p);
  return {
    db,
    hook,
    startCollector: async () => track(await startCollectorProcess(db.url, { TIMMY_CONFIG: config, ...env })),
    startAgent: (url: string, credential: string, dir?: string) =>
      track(startAgentProcess(url, credential, { intervalS: 0.5, ...(dir ? { dir } : {}) })),
    async release() {
      for (const p of procs) await stop(p, 'SIGKILL');
      await hook.close();
      await db.drop();
    },
  };
}
