/**
 * `npm start` as a user runs it: the main job (collector + embedded PostgreSQL + agent) started through
 * npm in its own process group. SIGTERM to the top process, or Ctrl-C (SIGINT to the group), leaves no
 * process of the run behind. A taken port: the unset default falls back (and everything printed and
 * linked follows the real port); an explicit one is an error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, freePort, waitFor } from './support/processes.ts';

const dirs: string[] = [];
/** A state directory (TIMMY_MAIN_DIR) of its own for a run. */
function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'timmy-main-'));
  chmodSync(d, 0o711); // as root, PostgreSQL runs as `postgres`, which must reach its directory
  dirs.push(d);
  return d;
}
const dir = stateDir();
const runs: ChildProcess[] = [];

afterAll(() => {
  for (const r of runs) signalGroup(r, 'SIGKILL'); // whatever of a run is left, npm itself gone or not
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function signalGroup(c: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-c.pid!, signal);
  } catch {
    /* gone */
  }
}

/** `npm start` in a process group of its own (as a terminal would run it), state in `dir`. */
function npmStart(env: Record<string, string>, state = dir) {
  const env0: Record<string, string | undefined> = { ...process.env, TIMMY_MAIN_DIR: state, LOG_LEVEL: 'warn', ...env };
  // A user's shell: none of the variables pnpm and vitest set, no node_modules/.bin on PATH (where
  // `node` is pnpm's shell wrapper, which would run npm itself under a shell that forwards no signal).
  for (const k of Object.keys(env0))
    if (
      /^(npm_|pnpm_|PNPM_|VITEST|TINYPOOL)/.test(k) ||
      ['NODE', 'NODE_PATH', 'INIT_CWD', 'DATABASE_URL', 'TIMMY_DATA_DIR'].includes(k) ||
      (k === 'TIMMY_PORT' && !('TIMMY_PORT' in env))
    )
      delete env0[k];
  env0.PATH = (process.env.PATH ?? '')
    .split(':')
    .filter((d) => !d.includes('node_modules'))
    .join(':');
  const child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env: env0, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  runs.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

/** Every process below `pid` (its descendants), from /proc. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) if (pp === p) out.push(c), walk(c);
  };
  walk(pid);
  return out;
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
};
const alive = (pid: number) => cmdline(pid) !== '';

/** Waits until none of `tree` runs any more; names the survivors when some never end. */
async function allEnded(tree: number[]) {
  await waitFor('every process of the run to end', async () => tree.every((p) => !alive(p)), 90_000, 250).catch((e) => {
    throw new Error(
      `${(e as Error).message}; still running: ${tree
        .filter(alive)
        .map((p) => `${p} ${cmdline(p)}`)
        .join(' | ')}`,
    );
  });
}

/** Up and serving: the banner, an agent and PostgreSQL among the run's processes. */
async function started(run: ReturnType<typeof npmStart>) {
  const url = await waitFor(
    'the banner',
    async () =>
      run.child.exitCode !== null
        ? 'exited'
        : /Timmy Fleet is running\.\n\s+collector\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(run.output())?.[1],
    180_000,
    250,
  );
  if (url === 'exited') throw new Error(`npm start exited: ${run.output()}`);
  const tree = descendants(run.child.pid!);
  const lines = tree.map((p) => `${p} ${cmdline(p)}`);
  expect(lines.some((l) => l.includes('agent/src/cli.ts run'))).toBe(true);
  expect(lines.some((l) => /postgres/.test(l))).toBe(true);
  expect(lines.some((l) => l.includes('scripts/main.ts'))).toBe(true);
  return { url, tree };
}

const holdPort = (port: number, host = '127.0.0.1') =>
  new Promise<Server | null>((ok) => {
    const s = createServer();
    s.once('error', () => ok(null)); // taken by someone else already: taken all the same
    s.listen(port, host, () => ok(s));
  });

const getWithHost = (url: string, host: string) =>
  new Promise<string>((ok, fail) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => ok(body));
    });
    req.on('error', fail);
    req.end();
  });

describe('npm start', () => {
  // Stops before it starts anything (no database, no collector): runs beside the first start.
  it.concurrent('an explicit port that is taken is an error, with a clear message and exit code 3', async ({ expect }) => {
    const port = await freePort();
    const held = await holdPort(port);
    try {
      const run = npmStart({ TIMMY_PORT: String(port) });
      const code = await run.exited;
      expect(code).toBe(3);
      expect(run.output()).toContain(`FLEET_PORT_IN_USE: port ${port} on 127.0.0.1 is taken`);
      expect(run.output()).not.toContain('Timmy Fleet is running');
    } finally {
      held?.close();
    }
  }, 120_000);

  it.concurrent('with the default port taken, runs on another one that everything names; SIGTERM to the top process stops every process of the run', async ({
    expect,
  }) => {
    const held = await holdPort(8080);
    try {
      const run = npmStart({});
      const { url, tree } = await started(run);
      expect(url).not.toBe('http://127.0.0.1:8080');
      expect(run.output()).toContain('Port 8080 is taken');
      // The install one-liner and the install script name the real URL whatever Host a request carries.
      expect(run.output()).toContain(`curl -fsSL ${url}/install.sh`);
      expect(await getWithHost(`${url}/install.sh`, 'wrong.example:8080')).toContain(url);
      expect((await fetch(`${url}/v1/nodes`)).status).toBe(200);
      // The console, and a token the banner offers that signs in to it.
      const token = new RegExp(`console\\s+${url}/\\s+sign in with the local admin token: (\\S+)`).exec(run.output())?.[1];
      expect(token).toBeDefined();
      expect((await fetch(`${url}/`)).headers.get('content-type')).toContain('text/html');
      const session = await fetch(`${url}/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      expect(session.status).toBe(200);

      process.kill(run.child.pid!, 'SIGTERM');
      await allEnded(tree);
      await run.exited;
    } finally {
      held?.close();
    }
  }, 240_000);

  // Beside the SIGTERM case, in a state directory of its own (two embedded PostgreSQL servers cannot
  // share one): each run mostly waits for its PostgreSQL, collector and agent to start.
  it.concurrent('Ctrl-C (SIGINT to the process group) stops every process of the run', async ({ expect }) => {
    const run = npmStart({ TIMMY_PORT: '0' }, stateDir());
    const { url, tree } = await started(run);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    signalGroup(run.child, 'SIGINT');
    await allEnded(tree);
    await run.exited;
  }, 240_000);
});
