/** Real child processes for end-to-end tests: the collector daemon and the agent, on loopback. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const ADMIN = 'e2e-admin-token-0123456789abcdef';

export interface Proc {
  child: ChildProcess;
  output: () => string;
}

function run(args: string[], env: Record<string, string>): Proc {
  let out = '';
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export async function startCollectorProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<Proc & { url: string }> {
  const p = run([join(ROOT, 'collector/src/main.ts')], {
    DATABASE_URL: databaseUrl,
    TIMMY_PORT: '0',
    TIMMY_ADMIN_TOKEN: ADMIN,
    TIMMY_ANONYMOUS_READ: 'true',
    LOG_LEVEL: 'info',
    ...env,
  });
  // A collector's start (migrations, an embedded PostgreSQL) can take a minute on a machine busy with other work.
  const url = await waitFor(
    'the collector to listen',
    async () => {
      if (p.child.exitCode !== null) throw new Error(`collector exited: ${p.output()}`);
      return /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(p.output())?.[1];
    },
    120_000,
  );
  return { ...p, url };
}

export async function registerNode(url: string, name: string): Promise<string> {
  const res = await fetch(`${url}/v1/admin/nodes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { credential: string }).credential;
}

/**
 * How long an agent started here waits at most between push retries (`push.retryMaxS`; 60 s by default):
 * after a collector restart or a database outage it reconnects within seconds, rather than at a random
 * point up to a minute later (uniform up to 16 or 32 s after an outage of 10-30 s), which every test
 * restarting a collector waited for.
 */
export const AGENT_RETRY_MAX_S = 2;

export function startAgentProcess(url: string, credential: string, opts: { intervalS: number; dir?: string }): Proc & { dir: string } {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'timmy-agent-'));
  writeFileSync(join(dir, 'credential'), credential + '\n', { mode: 0o600 });
  writeFileSync(
    join(dir, 'config.yaml'),
    `collectorUrl: ${url}\ncredentialFile: ${join(dir, 'credential')}\nstateDir: ${join(dir, 'state')}\nintervalS: ${opts.intervalS}\nlogLevel: warn\nuser: root\npush: { retryMaxS: ${AGENT_RETRY_MAX_S} }\nprobes:\n  - { type: heartbeat }\n  - { type: disk, name: "disk:/", mount: / }\n`,
  );
  return { ...run([join(ROOT, 'agent/src/cli.ts'), 'run', '--config', join(dir, 'config.yaml')], {}), dir };
}

export async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill(signal);
  await exited;
}

/** A TCP port free right now on 127.0.0.1 (for a collector that must come back on the same URL). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Phase timings for a test file's set-up and teardown (where its minutes go): `timed(name, work)` awaits
 * `work` (a promise, or a function that makes one) and records how long it took and when it ended,
 * in seconds since the clock was made; `summary()` lists them.
 */
export function phaseClock(): {
  timed: <T>(name: string, work: Promise<T> | (() => Promise<T>)) => Promise<T>;
  summary: () => string;
  elapsedS: () => string;
} {
  const t0 = Date.now();
  const phases: string[] = [];
  const elapsedS = () => ((Date.now() - t0) / 1000).toFixed(1);
  return {
    async timed(name, work) {
      const start = Date.now();
      const v = await (typeof work === 'function' ? work() : work);
      phases.push(`${name} ${((Date.now() - start) / 1000).toFixed(1)} s (ended at +${elapsedS()} s)`);
      return v;
    },
    summary: () => phases.join(', '),
    elapsedS,
  };
}
