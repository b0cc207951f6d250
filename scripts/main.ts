/**
 * The main job: a collector on its embedded PostgreSQL plus one agent watching this machine.
 * State lives in .data/ (or $TIMMY_MAIN_DIR), reused on the next run. Ctrl-C (SIGINT) or SIGTERM,
 * at any moment (even during start), stops both cleanly: nothing of the run is left behind.
 * Settings come from the environment and from $TIMMY_CONFIG (YAML), like the collector's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { ConfigError, configuredPort, loadConfig, type Config } from '../collector/src/config.ts';
import { portFree } from '../collector/src/port.ts';
import { createLogger, startCollector, type RunningCollector } from '../collector/src/runtime.ts';

const root = resolve(import.meta.dirname, '..');
const data = resolve(process.env.TIMMY_MAIN_DIR || join(root, '.data'));
const agentDir = join(data, 'agent');
mkdirSync(join(agentDir, 'state'), { recursive: true });

// Signals first: a Ctrl-C or SIGTERM that arrives while the database is still starting stops the run
// once it is up (instead of killing this process and leaving the database behind).
let starting: Promise<RunningCollector> | undefined;
let agent: ChildProcess | undefined;
let stopping: string | null = null;
const stop = async (why: string, code = 0) => {
  if (stopping) return;
  stopping = why; // from here on the start spawns nothing more
  console.log(`\n${why}: stopping the agent and the collector...`);
  const collector = await starting?.catch(() => undefined);
  if (agent && agent.exitCode === null && agent.signalCode === null) {
    const exited = new Promise((r) => agent!.once('exit', r));
    agent.kill('SIGTERM');
    await exited;
  }
  await collector?.stop();
  console.log('stopped.');
  process.exit(code);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGHUP', () => void stop('SIGHUP'));

const secretFile = (name: string) => {
  const f = join(data, name);
  if (!existsSync(f)) writeFileSync(f, randomBytes(24).toString('base64url'), { mode: 0o600 });
  return readFileSync(f, 'utf8').trim();
};

const anyFreePort = () =>
  new Promise<number>((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });

// The port: one set explicitly (TIMMY_PORT or `port:` in $TIMMY_CONFIG) is used or the run fails;
// only the unset default (8080) falls back to a free port. The run then knows its real port before
// the collector starts, so the banner, the default publicUrl (install script, enrollment, acknowledge
// links) and the agent's config all name it.
const DEFAULT_PORT = 8080;
const explicit = configuredPort(process.env);
let port = explicit ?? DEFAULT_PORT;
if (port === 0) port = await anyFreePort();
else if (!(await portFree({ host: '127.0.0.1', port }))) {
  if (explicit !== undefined) {
    console.error(
      `timmy-fleet: FLEET_PORT_IN_USE: port ${port} on 127.0.0.1 is taken by another program (set by ${process.env.TIMMY_PORT ? 'TIMMY_PORT' : process.env.TIMMY_CONFIG}). Stop that program, or choose another port (TIMMY_PORT=0 picks a free one).`,
    );
    process.exit(3);
  }
  port = await anyFreePort();
  console.log(`Port ${DEFAULT_PORT} is taken: using ${port} instead (set TIMMY_PORT to choose).`);
}
const localUrl = `http://127.0.0.1:${port}`;
const adminToken = secretFile('admin-token');
let config: Config;
try {
  config = loadConfig({
    ...process.env,
    TIMMY_PORT: String(port),
    TIMMY_PUBLIC_URL: process.env.TIMMY_PUBLIC_URL || localUrl,
    TIMMY_DATA_DIR: process.env.TIMMY_DATA_DIR ?? join(data, 'collector'),
    TIMMY_ADMIN_TOKEN: adminToken,
    TIMMY_ACK_LINK_SECRET: process.env.TIMMY_ACK_LINK_SECRET || secretFile('ack-link-secret'),
    TIMMY_ANONYMOUS_READ: 'true',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
} catch (e) {
  // The same list of problems the collector prints, without a stack trace.
  if (!(e instanceof ConfigError)) throw e;
  console.error(`npm start: ${e.message}`);
  process.exit(1);
}
const log = createLogger(config.logLevel);
console.log('Starting the collector on its embedded PostgreSQL (first run initialises it)...');
starting = startCollector(config, { log });
const collector = await starting;
const base = collector.url;

// Register this machine once; keep its credential with the agent's state.
const nodeName = hostname().replace(/[^A-Za-z0-9_.-]/g, '-') || 'this-machine';
const credentialFile = join(agentDir, 'credential');
if (!existsSync(credentialFile)) {
  const h = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  let res = await fetch(`${base}/v1/admin/nodes`, {
    method: 'POST',
    headers: h,
    body: JSON.stringify({ name: nodeName, operator: 'local', region: 'local' }),
  });
  if (res.status === 409)
    res = await fetch(`${base}/v1/admin/nodes/${encodeURIComponent(nodeName)}/credentials`, { method: 'POST', headers: h });
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
if (stopping) await new Promise(() => {}); // a signal came during the start: stop() finishes the run
agent = spawn(process.execPath, [join(root, 'agent/src/cli.ts'), 'run', '--config', agentConfig], {
  stdio: ['ignore', 'inherit', 'inherit'],
});

console.log(`
Timmy Fleet is running.
  collector      ${base}
  console        ${base}/   sign in with the local admin token: ${adminToken}
  this node      ${nodeName}: ${base}/v1/nodes/${encodeURIComponent(nodeName)}/uptime
  API            ${base}/v1/nodes
  metrics        ${base}/metrics
  API docs       ${base}/docs   (OpenAPI: ${base}/openapi.json)
  admin token    ${join(data, 'admin-token')}
  install a node curl -fsSL ${config.publicUrl}/install.sh | sudo bash -s -- --token <token from enroll-token>
Press Ctrl-C to stop.`);

agent.on('exit', (code, signal) => {
  if (!stopping) {
    console.error(`the agent exited (${signal ?? code}); stopping.`);
    void stop('agent exited', 1);
  }
});
