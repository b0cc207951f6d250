/**
 * `pnpm bench:alerts [--rounds N]`: how fast a node's death reaches a webhook, and its recovery the
 * resolved notification. Short thresholds: heartbeats every 0.5 s, node offline after 1.5 s without
 * one, `for` 3 s (so the configured threshold from the last heartbeat is 3 s), cool-down 0,
 * alert cycle and dispatcher every 0.25 s (defaults: 5 s and 1 s), flap detection off (the rounds
 * kill and restart the same node on purpose; the default would call it flapping by round 3).
 *
 * A real collector (in this process, on an embedded PostgreSQL in a temp dir, or DATABASE_URL), a
 * real agent process, a local webhook receiver. Per round: SIGKILL the agent → firing webhook
 * arrives; start the agent again → resolved webhook arrives.
 *   detect_overhead_ms = arrival - kill - threshold (target <= 2000)
 *   resolve_ms         = resolved arrival - agent restart (includes the agent's process start)
 * Prints the figures and writes bench/out/alerts.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { replyJson, startReceiver } from '../collector/src/alerts/channels/testing.ts';
import { loadConfig } from '../collector/src/config.ts';
import { createLogger, startCollector } from '../collector/src/runtime.ts';
import { ONLY_NODE_OFFLINE } from '../test/support/alert-rules.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? process.env.BENCH_ROUNDS ?? 5);
const FOR_MS = 3000;
const GRACE_MS = 1500;
const THRESHOLD_MS = Math.max(FOR_MS, GRACE_MS);
const ADMIN = 'bench-admin-token-0123456789abcdef';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const arrivals: Array<{ transition: string; at: number }> = [];
const receiver = await startReceiver((req, res) => {
  arrivals.push({ transition: String((req.body as any)?.commonAnnotations?.transition ?? ''), at: Date.now() });
  replyJson(res, 200, {});
});

const dir = mkdtempSync(join(tmpdir(), 'timmy-bench-alerts-'));
chmodSync(dir, 0o711); // the embedded PostgreSQL runs as its own user
const off = ONLY_NODE_OFFLINE;
const cfgFile = join(dir, 'collector.yaml');
writeFileSync(
  cfgFile,
  JSON.stringify({
    port: 0,
    dataDir: join(dir, 'collector'),
    adminToken: ADMIN,
    anonymousRead: true,
    logLevel: 'warn',
    sla: { heartbeatIntervalS: 0.5, restartGraceS: 2 },
    alerts: {
      evaluateIntervalS: 0.25,
      dispatchIntervalS: 0.25,
      rules: {
        restartGraceMs: 0,
        flap: { windowMs: 60_000, threshold: 1000 },
        rules: [{ id: 'node_offline', forMs: FOR_MS, graceMs: GRACE_MS, cooldownMs: 0 }, ...off],
      },
      channels: [{ type: 'webhook', name: 'bench', url: `${receiver.url}/hook` }],
      routing: { default: ['bench'] },
    },
  }),
);
const config = loadConfig({ DATABASE_URL: process.env.DATABASE_URL }, cfgFile);
console.log(`starting the collector (${config.databaseUrl ? 'DATABASE_URL' : 'embedded PostgreSQL'})...`);
const collector = await startCollector(config, { log: createLogger('warn') });

const reg = await fetch(`${collector.url}/v1/admin/nodes`, {
  method: 'POST',
  headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'bench-node' }),
});
const credential = ((await reg.json()) as { credential: string }).credential;
const agentDir = join(dir, 'agent');
mkdirSync(agentDir);
writeFileSync(join(agentDir, 'credential'), `${credential}\n`, { mode: 0o600 });
writeFileSync(
  join(agentDir, 'config.yaml'),
  `collectorUrl: ${collector.url}\ncredentialFile: ${join(agentDir, 'credential')}\nstateDir: ${join(agentDir, 'state')}\nintervalS: 0.5\nlogLevel: warn\nuser: ${userInfo().username}\nprobes:\n  - { type: heartbeat }\n`,
);
const startAgent = (): ChildProcess =>
  spawn(process.execPath, [new URL('../agent/src/cli.ts', import.meta.url).pathname, 'run', '--config', join(agentDir, 'config.yaml')], {
    stdio: 'ignore',
  });
const waitFor = async (what: string, fn: () => boolean, timeoutMs = 60_000) => {
  const until = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
};
const lastHeartbeat = async () => {
  const n = (await (await fetch(`${collector.url}/v1/nodes/bench-node`)).json()) as { lastHeartbeatAt: string | null };
  return n.lastHeartbeatAt ? Date.parse(n.lastHeartbeatAt) : null;
};

const rounds: Array<{ detect_ms: number; detect_overhead_ms: number; since_last_heartbeat_ms: number; resolve_ms: number }> = [];
let agent = startAgent();
try {
  for (let i = 0; i < ROUNDS; i++) {
    // A settled, healthy node: heartbeats flowing for a few seconds.
    const startedAt = Date.now();
    let hb: number | null = null;
    while (Date.now() - startedAt < 3000 || !(hb && hb > startedAt)) {
      await sleep(200);
      hb = await lastHeartbeat();
    }
    const seen = arrivals.length;
    const killedAt = Date.now();
    agent.kill('SIGKILL');
    await new Promise((r) => agent.once('exit', r));
    const lastHb = (await lastHeartbeat())!;
    await waitFor('the firing webhook', () => arrivals.slice(seen).some((a) => a.transition === 'opened'));
    const fired = arrivals.slice(seen).find((a) => a.transition === 'opened')!.at;
    const restartedAt = Date.now();
    agent = startAgent();
    await waitFor('the resolved webhook', () => arrivals.slice(seen).some((a) => a.transition === 'resolved'));
    const resolved = arrivals.slice(seen).find((a) => a.transition === 'resolved')!.at;
    const r = {
      detect_ms: fired - killedAt,
      detect_overhead_ms: fired - killedAt - THRESHOLD_MS,
      since_last_heartbeat_ms: fired - lastHb,
      resolve_ms: resolved - restartedAt,
    };
    rounds.push(r);
    console.log(
      `round ${i + 1}: detect ${r.detect_ms} ms (overhead ${r.detect_overhead_ms} ms over the ${THRESHOLD_MS} ms threshold; ${r.since_last_heartbeat_ms} ms after the last heartbeat), resolved ${r.resolve_ms} ms after the agent restart`,
    );
  }
} finally {
  agent.kill('SIGKILL');
  await collector.stop();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
}

const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, max: s.at(-1)!, min: s[0]! };
};
const detect = stat(rounds.map((r) => r.detect_overhead_ms));
const resolve = stat(rounds.map((r) => r.resolve_ms));
const out = {
  rounds: rounds.length,
  threshold_ms: THRESHOLD_MS,
  settings: { heartbeat_s: 0.5, offline_grace_ms: GRACE_MS, for_ms: FOR_MS, evaluate_interval_s: 0.25, dispatch_interval_s: 0.25 },
  detect_overhead_ms: detect.max,
  detect_overhead_median_ms: detect.median,
  resolve_ms: resolve.max,
  resolve_median_ms: resolve.median,
  target_detect_overhead_ms: 2000,
  per_round: rounds,
};
console.log(
  `\ndetect_overhead_ms: max ${detect.max}, median ${detect.median} (target <= 2000)\nresolve_ms: max ${resolve.max}, median ${resolve.median}`,
);
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
writeFileSync(new URL('./out/alerts.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
process.exit(0);
