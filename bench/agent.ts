/**
 * `pnpm bench:agent [--seconds N]` (or BENCH_SECONDS): runs the bundled agent with the default
 * checklist at a 5 s interval against a local receiver, and in the same run Debian's
 * prometheus-node-exporter scraped at the same interval. Measures RSS and CPU from /proc (children
 * included) after a warm-up, prints the figures and writes bench/out/agent.json.
 * Budget: rss < 60 MB, cpu < 0.1 % of one core. The real target is --seconds 600.
 *
 * The receiver is the agent's fake collector (agent/src/testing/fake-collector.ts): it validates
 * each Report and stores samples in memory, so the agent does exactly the work it does in production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildAgent } from '../agent/build.ts';
import { fileURLToPath } from 'node:url';
import { freePort, startFakeCollector } from '../agent/src/testing/fake-collector.ts';
import { makeTransport } from '../agent/src/push/transport.ts';
import { selfSignedCert } from '../test/support/tls.ts';
import { cpuSeconds } from './proc.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    interval: { type: 'string' },
    http: { type: 'boolean', default: false },
    receiver: { type: 'string', default: 'collector' },
  },
});
const SECONDS = Number(values.seconds ?? process.env.BENCH_SECONDS ?? 60);
const INTERVAL_S = Number(values.interval ?? 5);
const WARMUP_S = Math.min(15, Math.max(5, SECONDS / 10));
const TICK = 100; // USER_HZ
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds of a process and of its exited, waited-for children. */
const cpuOf = (pid: number): number => cpuSeconds(pid) + cpuSeconds(pid, true);
function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
function rssParts(pid: number): { anon: number; file: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) * 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
}
function hwmBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const nodeExporterBin = ['/usr/bin/prometheus-node-exporter', '/usr/sbin/prometheus-node-exporter'].find(existsSync);
if (!nodeExporterBin) {
  console.error('prometheus-node-exporter is missing: run scripts/ci-deps.sh (apt-get install prometheus-node-exporter)');
  process.exit(1);
}

/** Node flags and environment exactly as the systemd unit starts the agent (one source of truth). */
function unitRuntime(): { flags: string[]; env: Record<string, string> } {
  const unit = readFileSync(new URL('../deploy/systemd/timmy-fleet.service', import.meta.url), 'utf8');
  const exec = /^ExecStart=(\S+)\s+(.*?)\s+\S+\.mjs\b/m.exec(unit);
  const env: Record<string, string> = {};
  for (const m of unit.matchAll(/^Environment=(.*)$/gm))
    for (const kv of m[1]!.split(/\s+/)) env[kv.split('=')[0]!] = kv.split('=').slice(1).join('=');
  return { flags: exec ? exec[2]!.split(/\s+/).filter(Boolean) : [], env };
}
const runtime = unitRuntime();

const bundle = await buildAgent();
const dir = mkdtempSync(join(tmpdir(), 'timmy-bench-agent-'));
chmodSync(dir, 0o755); // the embedded PostgreSQL of the collector runs as its own user and must reach its data dir
// HTTPS like production (self-signed CA given as caFile), unless --http.
let tlsOpts: { key: string; cert: string } | undefined;
if (!values.http) {
  selfSignedCert(dir);
  tlsOpts = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  // Trust = the system CA bundle plus the bench CA: the same amount of CA data as in production.
  const system = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'].find(existsSync);
  writeFileSync(join(dir, 'ca.pem'), `${system ? readFileSync(system, 'utf8') : ''}\n${tlsOpts.cert}`);
}
const children: ChildProcess[] = [];
const stopAll = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('exit', stopAll);

/**
 * The receiver: the real collector (embedded PostgreSQL in a temp dir, TLS with the bench CA, a node
 * registered through the admin API) unless `--receiver fake` or it fails to start; then the agent's
 * fake collector. Only the agent and node_exporter are measured, never the receiver.
 */
let collectorProc: ChildProcess | undefined;
async function startRealCollector(): Promise<{ url: string; credential: string } | undefined> {
  const admin = 'bench-admin-token-0123456789abcdef';
  let out = '';
  const c = spawn(process.execPath, [fileURLToPath(new URL('../collector/src/main.ts', import.meta.url))], {
    env: {
      ...process.env,
      TIMMY_PORT: '0',
      TIMMY_HOST: '127.0.0.1',
      TIMMY_DATA_DIR: join(dir, 'collector'),
      TIMMY_ADMIN_TOKEN: admin,
      LOG_LEVEL: 'info',
      ...(tlsOpts ? { TIMMY_TLS_CERT_FILE: join(dir, 'cert.pem'), TIMMY_TLS_KEY_FILE: join(dir, 'key.pem') } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  collectorProc = c;
  c.stdout!.on('data', (d) => (out += d));
  c.stderr!.on('data', (d) => (out += d));
  for (let i = 0; i < 600; i++) {
    const url = /"url":"(https?:\/\/127\.0\.0\.1:\d+)"/.exec(out)?.[1];
    if (url) {
      const t = makeTransport({ caFile: tlsOpts ? join(dir, 'cert.pem') : undefined });
      const res = await t.request(new URL('/v1/admin/nodes', url), {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench-node' }),
        timeoutMs: 10_000,
      });
      t.close();
      if (res.status !== 201) break;
      return { url, credential: (JSON.parse(res.text) as { credential: string }).credential };
    }
    if (c.exitCode !== null) break;
    await sleep(100);
  }
  console.error(`bench:agent: the real collector did not start; using the fake receiver.\n${out.slice(-2000)}`);
  await stopCollector();
  return undefined;
}
/** SIGTERM, so the collector stops its embedded PostgreSQL too. */
async function stopCollector() {
  const c = collectorProc;
  if (!c || c.exitCode !== null) return;
  c.kill('SIGTERM');
  await Promise.race([new Promise((r) => c.once('exit', r)), sleep(30_000)]);
  if (c.exitCode === null) c.kill('SIGKILL');
}
const real = values.receiver === 'collector' ? await startRealCollector() : undefined;
const fc = await startFakeCollector({ token: 'bench-node-credential-000000000001', ...(tlsOpts ? { tls: tlsOpts } : {}) });
const receiverUrl = real?.url ?? fc.url;
writeFileSync(join(dir, 'credential'), `${real?.credential ?? fc.token}\n`, { mode: 0o600 });
const config = join(dir, 'config.yaml');
// The default checklist (no `probes:` key), watching the current user.
writeFileSync(
  config,
  `collectorUrl: ${receiverUrl}\ncredentialFile: ${join(dir, 'credential')}\nstateDir: ${join(dir, 'state')}\nintervalS: ${INTERVAL_S}\n${tlsOpts ? `caFile: ${join(dir, 'ca.pem')}\n` : ''}user: ${userInfo().username}\nlogLevel: warn\n`,
);

const agent = spawn(process.execPath, [...runtime.flags, bundle.file, 'run', '--config', config], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, ...runtime.env },
});
children.push(agent);
const nePort = await freePort();
const ne = spawn(nodeExporterBin, [`--web.listen-address=127.0.0.1:${nePort}`], { stdio: 'ignore' });
children.push(ne);
let scrapes = 0;
const scraper = setInterval(async () => {
  try {
    const res = await fetch(`http://127.0.0.1:${nePort}/metrics`);
    await res.text();
    scrapes++;
  } catch {
    // not up yet
  }
}, INTERVAL_S * 1000);

console.log(
  `bench:agent: ${SECONDS} s (warm-up ${WARMUP_S} s), interval ${INTERVAL_S} s, ${tlsOpts ? 'https' : 'http'} to ${real ? 'the collector' : 'the fake receiver'}, node ${process.version} ${runtime.flags.join(' ')}, bundle ${(bundle.bytes / 1024).toFixed(0)} KiB`,
);
await sleep(WARMUP_S * 1000);
const t0 = performance.now();
const a0 = cpuOf(agent.pid!);
const n0 = cpuOf(ne.pid!);
const rssA: number[] = [];
const rssN: number[] = [];
while (performance.now() - t0 < SECONDS * 1000) {
  rssA.push(rssBytes(agent.pid!));
  rssN.push(rssBytes(ne.pid!));
  await sleep(1000);
}
const elapsed = (performance.now() - t0) / 1000;
const a1 = cpuOf(agent.pid!);
const n1 = cpuOf(ne.pid!);
const agentHwm = hwmBytes(agent.pid!);
const parts = rssParts(agent.pid!);
clearInterval(scraper);
agent.kill('SIGTERM');
await new Promise((r) => agent.once('exit', r));
stopAll();
await stopCollector();
await fc.close();

const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const pct = (seconds: number) => Math.round((seconds / elapsed) * 100 * 10000) / 10000;
const out = {
  seconds: Math.round(elapsed),
  interval_s: INTERVAL_S,
  node: process.version,
  node_flags: runtime.flags.join(' '),
  transport: tlsOpts ? 'https' : 'http',
  rss_mb: mb(Math.max(...rssA)),
  rss_mean_mb: mb(mean(rssA)),
  rss_hwm_mb: mb(agentHwm),
  rss_anon_mb: mb(parts.anon),
  rss_file_mb: mb(parts.file),
  cpu_percent: pct(a1 - a0),
  node_exporter_rss_mb: mb(Math.max(...rssN)),
  node_exporter_cpu_percent: pct(n1 - n0),
  cpu_ratio: n1 - n0 > 0 ? Math.round(((a1 - a0) / (n1 - n0)) * 1000) / 1000 : null,
  ...(real ? {} : { samples_stored: fc.stored.size, requests: fc.requests, request_bytes: fc.bytesIn }),
  node_exporter_scrapes: scrapes,
  cpu_resolution_percent: Math.round((1 / TICK / elapsed) * 100 * 10000) / 10000,
  budget: { rss_mb: 60, cpu_percent: 0.1 },
  within_budget: mb(Math.max(...rssA)) < 60 && pct(a1 - a0) < 0.1,
  receiver: real ? 'collector (collector/src/main.ts, embedded PostgreSQL)' : 'agent/src/testing/fake-collector.ts',
};
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
writeFileSync(new URL('./out/agent.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
rmSync(dir, { recursive: true, force: true });
