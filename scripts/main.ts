/**
 * The main job: a collector on its embedded PostgreSQL plus one agent watching this machine.
 * State lives in .data/ (reused on the next run). Ctrl-C (SIGINT) or SIGTERM stops both cleanly.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { ConfigError, loadConfig, type Config } from '../collector/src/config.ts';
import { createLogger, startCollector } from '../collector/src/runtime.ts';

const root = resolve(import.meta.dirname, '..');
const data = join(root, '.data');
const agentDir = join(data, 'agent');
mkdirSync(join(agentDir, 'state'), { recursive: true });

const secretFile = (name: string) => {
  const f = join(data, name);
  if (!existsSync(f)) writeFileSync(f, randomBytes(24).toString('base64url'), { mode: 0o600 });
  return readFileSync(f, 'utf8').trim();
};

const portFree = (port: number) =>
  new Promise<boolean>((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });

const wantedPort = Number(process.env.TIMMY_PORT ?? 8080);
const port = (await portFree(wantedPort)) ? wantedPort : 0;
const adminToken = secretFile('admin-token');
let config: Config;
try {
  config = loadConfig({ ...process.env, TIMMY_PORT: String(port), TIMMY_DATA_DIR: process.env.TIMMY_DATA_DIR ?? join(data, 'collector'), TIMMY_ADMIN_TOKEN: adminToken, TIMMY_ANONYMOUS_READ: 'true', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
} catch (e) {
  // The same list of problems the collector prints, without a stack trace.
  if (!(e instanceof ConfigError)) throw e;
  console.error(`npm start: ${e.message}`);
  process.exit(1);
}
const log = createLogger(config.logLevel);
console.log('Starting the collector on its embedded PostgreSQL (first run initialises it)...');
const collector = await startCollector(config, { log });
const base = collector.url;

// Register this machine once; keep its credential with the agent's state.
const nodeName = hostname().replace(/[^A-Za-z0-9_.-]/g, '-') || 'this-machine';
const credentialFile = join(agentDir, 'credential');
if (!existsSync(credentialFile)) {
  const h = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  let res = await fetch(`${base}/v1/admin/nodes`, { method: 'POST', headers: h, body: JSON.stringify({ name: nodeName, operator: 'local', region: 'local' }) });
  if (res.status === 409) res = await fetch(`${base}/v1/admin/nodes/${encodeURIComponent(nodeName)}/credentials`, { method: 'POST', headers: h });
  if (!res.ok) throw new Error(`could not register this machine: ${res.status} ${await res.text()}`);
  writeFileSync(credentialFile, ((await res.json()) as { credential: string }).credential + '\n', { mode: 0o600 });
}
const agentConfig = join(agentDir, 'config.yaml');
writeFileSync(
  agentConfig,
  `# Written by the main job for the agent watching this machine.
collectorUrl: ${base}
credentialFile: ${credentialFile}
stateDir: ${join(agentDir, 'state')}
intervalS: ${config.sla.heartbeatIntervalS}
logLevel: warn
user: ${process.env.USER ?? 'root'}
probes:
  - { type: heartbeat }
  - { type: disk, name: "disk:/", mount: / }
  - { type: system, name: system }
  # This machine does not run the fleet's gateway: watched, but not SLA-critical here.
  - { type: systemd, name: gateway, unit: ai.hermes.gateway, slaCritical: false, intervalS: 30 }
`,
);
const agent = spawn(process.execPath, [join(root, 'agent/src/cli.ts'), 'run', '--config', agentConfig], { stdio: ['ignore', 'inherit', 'inherit'] });

console.log(`
Timmy Fleet is running.
  collector      ${base}
  this node      ${nodeName}: ${base}/v1/nodes/${encodeURIComponent(nodeName)}/uptime
  API            ${base}/v1/nodes
  metrics        ${base}/metrics
  API docs       ${base}/docs   (OpenAPI: ${base}/openapi.json)
  admin token    ${join(data, 'admin-token')}
Press Ctrl-C to stop.`);

let stopping = false;
const stop = async (why: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${why}: stopping the agent and the collector...`);
  if (agent.exitCode === null) {
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
  }
  await collector.stop();
  console.log('stopped.');
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
agent.on('exit', (code, signal) => {
  if (!stopping) {
    console.error(`the agent exited (${signal ?? code}); stopping.`);
    void stop('agent exited').then(() => process.exit(1));
  }
});
