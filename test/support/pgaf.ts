/**
 * A pg_auto_failover formation on loopback for cross-process tests: a monitor, a primary and a
 * synchronous secondary (Debian's `postgresql-15-auto-failover` + `pg-auto-failover-cli`).
 *
 * pg_autoctl refuses to run as root, so every pg_autoctl command runs as the `postgres` user through
 * `runuser -u postgres --`, with HOME and the XDG directories (where pg_autoctl keeps its config and
 * state files) inside a temp dir that user owns. Each node's keeper (`pg_autoctl create postgres
 * --run`) is its own process group: killing that group with SIGKILL takes the postmaster, its
 * backends and the keeper down at once, as losing the machine would (a lone postmaster killed by
 * its keeper's side would just be restarted by the keeper, with no failover).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { freePort, waitFor } from './processes.ts';

const run = promisify(execFile);
const PG_AUTOCTL = '/usr/bin/pg_autoctl';
const PGBIN = '/usr/lib/postgresql/15/bin';
const EXTENSION = '/usr/lib/postgresql/15/lib/pgautofailover.so';
/** The database and role the collectors use. */
export const DB = 'fleet';
export const ROLE = 'timmy';

/** Why a formation cannot run here, or null when it can. */
export function formationUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (pg_autoctl runs as the postgres user through runuser)';
  for (const [file, pkg] of [
    [PG_AUTOCTL, 'pg-auto-failover-cli'],
    [EXTENSION, 'postgresql-15-auto-failover'],
    [join(PGBIN, 'pg_ctl'), 'postgresql-15'],
  ] as const) {
    if (!existsSync(file)) return `${file} missing: install ${pkg} (scripts/ci-deps.sh does)`;
  }
  try {
    postgresIds();
  } catch {
    return 'no postgres user';
  }
  return null;
}

function postgresIds(): { uid: number; gid: number } {
  const passwd = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!passwd) throw new Error('no postgres user');
  const [, , uid, gid] = passwd.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export interface PgNode {
  name: string;
  port: number;
  pgdata: string;
  keeper: ChildProcess;
}

export interface NodeState {
  name: string;
  port: number;
  reported: string;
  goal: string;
}

export class Formation {
  readonly nodes: PgNode[] = [];
  private readonly logs = new Map<string, string>();
  private readonly monitorSql: postgres.Sql;
  private monitorKeeper: ChildProcess | null = null;

  readonly dir: string;
  readonly monitorPort: number;

  private constructor(dir: string, monitorPort: number) {
    this.dir = dir;
    this.monitorPort = monitorPort;
    this.monitorSql = postgres({
      host: '127.0.0.1',
      port: monitorPort,
      user: 'postgres',
      database: 'pg_auto_failover',
      max: 1,
      onnotice: () => {},
      connect_timeout: 3,
    });
  }

  /** `postgres://timmy@127.0.0.1:P1,127.0.0.1:P2/fleet?target_session_attrs=read-write` */
  get url(): string {
    return `postgres://${ROLE}@${this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}/${DB}?target_session_attrs=read-write`;
  }

  get monitorUri(): string {
    return `postgres://autoctl_node@127.0.0.1:${this.monitorPort}/pg_auto_failover?sslmode=disable`;
  }

  /** The pg_autoctl command line as the postgres user, with its config and state inside `dir`. */
  private asPostgres(args: string[]): string[] {
    const env = [
      `HOME=${this.dir}`,
      `XDG_CONFIG_HOME=${this.dir}/config`,
      `XDG_DATA_HOME=${this.dir}/share`,
      `XDG_RUNTIME_DIR=${this.dir}/run`,
      `PATH=${PGBIN}:/usr/bin:/bin`,
    ];
    return ['-u', 'postgres', '--', 'env', ...env, PG_AUTOCTL, ...args];
  }

  private keep(name: string, args: string[]): ChildProcess {
    this.logs.set(name, '');
    // detached: its own process group, so one kill(-pid) takes the keeper and its postmaster together.
    const child = spawn('runuser', this.asPostgres(args), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const append = (d: Buffer) => this.logs.set(name, (this.logs.get(name) ?? '') + d.toString());
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    return child;
  }

  /** One pg_autoctl command run to completion (as the postgres user). */
  async autoctl(args: string[]): Promise<string> {
    const { stdout } = await run('runuser', this.asPostgres(args), { timeout: 120_000 });
    return stdout;
  }

  log(name: string): string {
    return this.logs.get(name) ?? '';
  }

  /** The monitor's view of the nodes. */
  async states(): Promise<NodeState[]> {
    const rows = await this
      .monitorSql`select nodename, nodeport, reportedstate::text as reported, goalstate::text as goal from pgautofailover.node order by nodeid`;
    return rows.map((r) => ({
      name: r.nodename as string,
      port: r.nodeport as number,
      reported: r.reported as string,
      goal: r.goal as string,
    }));
  }

  /** The monitor's log of state changes (for a failed test's explanation). */
  async events(): Promise<string[]> {
    const rows = await this.monitorSql`select eventtime, nodename, reportedstate::text as reported, goalstate::text as goal, description
      from pgautofailover.event order by eventid`;
    return rows.map((r) => `${(r.eventtime as Date).toISOString().slice(11, 23)} ${r.nodename} ${r.reported}→${r.goal}: ${r.description}`);
  }

  /** Waits until the monitor reports one node primary and the other secondary, both settled; returns the primary. */
  async settled(timeoutMs = 90_000): Promise<PgNode> {
    const name = await waitFor(
      'a settled primary/secondary pair',
      async () => {
        const s = await this.states();
        const p = s.find((n) => n.reported === 'primary' && n.goal === 'primary');
        const ok = s.length === 2 && p && s.some((n) => n.reported === 'secondary' && n.goal === 'secondary');
        // A standby's base backup waits for a checkpoint on the primary (spread over minutes by
        // default): ask for it now.
        if (!ok)
          for (const n of s.filter((x) => ['primary', 'wait_primary', 'single'].includes(x.reported)))
            await this.query(n.port, 'checkpoint').catch(() => {});
        return ok ? p!.name : null;
      },
      timeoutMs,
      500,
    );
    return this.nodes.find((n) => n.name === name)!;
  }

  /** Runs one statement on one node as postgres (over loopback). */
  async query(port: number, statement: string, database = 'postgres'): Promise<postgres.RowList<postgres.Row[]>> {
    const sql = postgres({ host: '127.0.0.1', port, user: 'postgres', database, max: 1, onnotice: () => {}, connect_timeout: 3 });
    try {
      return await sql.unsafe(statement);
    } finally {
      await sql.end({ timeout: 1 });
    }
  }

  private async addNode(name: string): Promise<PgNode> {
    const port = await freePort();
    const pgdata = join(this.dir, name);
    const keeper = this.keep(name, [
      'create',
      'postgres',
      '--pgdata',
      pgdata,
      '--pgport',
      String(port),
      '--listen',
      '127.0.0.1',
      '--hostname',
      '127.0.0.1',
      '--name',
      name,
      '--dbname',
      DB,
      '--monitor',
      this.monitorUri,
      '--auth',
      'trust',
      '--no-ssl',
      '--run',
    ]);
    const node = { name, port, pgdata, keeper };
    this.nodes.push(node);
    return node;
  }

  static async start(): Promise<Formation> {
    const dir = mkdtempSync(join(tmpdir(), 'timmy-pgaf-'));
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
    const f = new Formation(dir, await freePort());
    const monitorData = join(dir, 'monitor');
    // The monitor: created, told to listen on loopback only (its default is every address), then run.
    await f.autoctl([
      'create',
      'monitor',
      '--pgdata',
      monitorData,
      '--pgport',
      String(f.monitorPort),
      '--hostname',
      '127.0.0.1',
      '--auth',
      'trust',
      '--no-ssl',
    ]);
    await f.autoctl(['config', 'set', '--pgdata', monitorData, 'postgresql.listen_addresses', '127.0.0.1']);
    f.monitorKeeper = f.keep('monitor', ['run', '--pgdata', monitorData]);
    await waitFor('the monitor', async () => (await f.monitorSql`select 1 as ok`)[0]?.ok === 1, 60_000, 300);
    // Failure detection in seconds rather than the default tens of seconds (health checks every 5 s,
    // unhealthy after 20 s). primary_demote_timeout is not failure detection: it is how long a promotion
    // waits for the old primary to stop taking writes and for what it acknowledged to reach the secondary
    // (30 s by default). At 2 s, on this machine busy with other tests, a switchover's old primary was
    // still acknowledging reports the promoted node never received: six acknowledged reports were lost
    // and no probe ever found the formation without a writable node (a run of 2026-12-03). 10 s.
    await f.monitorSql.unsafe(`alter system set pgautofailover.health_check_period = 1000`);
    await f.monitorSql.unsafe(`alter system set pgautofailover.health_check_timeout = 1000`);
    await f.monitorSql.unsafe(`alter system set pgautofailover.health_check_max_retries = 1`);
    await f.monitorSql.unsafe(`alter system set pgautofailover.health_check_retry_delay = 500`);
    await f.monitorSql.unsafe(`alter system set pgautofailover.node_considered_unhealthy_timeout = 2000`);
    await f.monitorSql.unsafe(`alter system set pgautofailover.primary_demote_timeout = 10000`);
    await f.monitorSql`select pg_reload_conf()`;
    // The primary first (the first node registered becomes it), then the synchronous secondary.
    const first = await f.addNode('node1');
    await waitFor(
      'node1 to run as a single primary',
      async () => (await f.states()).some((n) => n.name === 'node1' && n.reported === 'single'),
      90_000,
      300,
    );
    await f.query(first.port, `create role ${ROLE} login`);
    // The collector's standby gate reads the standbys' flush positions (pg_stat_replication).
    await f.query(first.port, `grant pg_read_all_stats to ${ROLE}`);
    await f.query(first.port, `alter database ${DB} owner to ${ROLE}`);
    await f.addNode('node2');
    await f.settled();
    return f;
  }

  /** kill -9 of a node: its postmaster (with its backends) and its keeper, at once. */
  kill(node: PgNode): void {
    const postmaster = Number(readFileSync(join(node.pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(-node.keeper.pid!, 'SIGKILL');
    try {
      process.kill(postmaster, 'SIGKILL');
    } catch {
      // already gone with its group
    }
  }

  /** `pg_autoctl perform switchover`, running in the background until it completes. */
  switchover(): Promise<string> {
    return this.autoctl(['perform', 'switchover', '--pgdata', join(this.dir, 'monitor'), '--wait', '120']);
  }

  async stop(): Promise<void> {
    await this.monitorSql.end({ timeout: 1 }).catch(() => {});
    // Every process of the formation: the keepers, the postmasters (a keeper may just have restarted one)
    // and all their descendants, found before any is killed. PostgreSQL's children lead sessions of their
    // own, and some (the monitor's logger and health-check workers) were seen outliving a killed
    // postmaster, so a group kill does not reach them.
    const keepers: number[] = [];
    for (const k of [...this.nodes.map((n) => n.keeper), this.monitorKeeper]) if (k?.pid && k.exitCode === null) keepers.push(k.pid);
    const roots = [...keepers];
    for (const d of [...this.nodes.map((n) => n.pgdata), join(this.dir, 'monitor')]) {
      try {
        const pid = Number(readFileSync(join(d, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid > 1) roots.push(pid);
      } catch {
        // not running
      }
    }
    const all = withDescendants(roots);
    for (const pid of [...keepers.map((k) => -k), ...all]) {
      try {
        process.kill(pid, 'SIGKILL'); // a keeper's whole group (negative), then each process
      } catch {
        // gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `roots` and every process below them (read from /proc: parent ids), roots first. */
function withDescendants(roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      // The fields after the command (which may hold spaces or parentheses): state, then the parent id.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      (children.get(ppid) ?? children.set(ppid, []).get(ppid)!).push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const seen = new Set<number>();
  const visit = (pid: number) => {
    if (seen.has(pid)) return;
    seen.add(pid);
    out.push(pid);
    for (const c of children.get(pid) ?? []) visit(c);
  };
  for (const r of roots) visit(r);
  return out;
}
