/** The collector CLI as an operator runs it: real process, real database. */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestDatabase } from './support/pg.ts';
import { ADMIN, ROOT, startCollectorProcess, stop, waitFor } from './support/processes.ts';

const exec = promisify(execFile);
let db: Awaited<ReturnType<typeof createTestDatabase>>;
const cli = (args: string[], env: Record<string, string> = {}) =>
  exec(process.execPath, [join(ROOT, 'collector/src/cli.ts'), ...args], { env: { ...process.env, DATABASE_URL: db.url, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );

beforeAll(async () => {
  db = await createTestDatabase('cli', { migrated: true });
});
afterAll(async () => db.drop());

// Side by side: no case reads what another writes (their own node names; the embedded case its own
// server), and most of each is waiting on process starts.
describe('timmy-collector CLI', { concurrent: true }, () => {
  it('prints help and exits 0', async ({ expect }) => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('node add <name>');
  });

  it('registers, lists and revokes a node', async ({ expect }) => {
    const add = await cli(['node', 'add', 'cli-node', '--operator', 'op1', '--region', 'eu']);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/registered node "cli-node"/);
    expect(add.stdout).toMatch(/^tfn_\w{12}_[\w-]{43}$/m);
    const list = await cli(['node', 'list']);
    expect(list.stdout).toMatch(/cli-node\s+-\s+never/);
    const again = await cli(['node', 'add', 'cli-node']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('FLEET_CONFLICT');
    const rev = await cli(['node', 'revoke', 'cli-node']);
    expect(rev.stdout).toContain('revoked 1 credential(s)');
    const future = await cli(['node', 'decommission', 'cli-node', '--at', '2999-01-01T00:00:00Z']);
    expect(future.code).toBe(1);
    expect(future.stderr).toContain('FLEET_BAD_REQUEST');
    const dec = await cli(['node', 'decommission', 'cli-node', '--reason', 'retired']);
    expect(dec.code).toBe(0);
    expect(dec.stdout).toMatch(/^decommissioned node "cli-node" as of \d{4}-/);
    expect((await cli(['node', 'list'])).stdout).toMatch(/cli-node\s+-\s+never\s+decommissioned \d{4}-/);
    expect((await cli(['node', 'decommission', 'cli-node'])).stdout).toContain('was decommissioned already');
  }, 300_000); // nine commands, each a process of its own: slow on a busy machine

  it('refuses bad configuration with every problem and exit 1', async ({ expect }) => {
    const r = await cli(['serve'], { TIMMY_PORT: 'nope', TIMMY_GRACE_INTERVALS: '0' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('TIMMY_PORT');
    expect(r.stderr).toContain('sla.graceIntervals');
  });

  it('serve on a taken port: exit 1 with FLEET_PORT_IN_USE naming the port', async ({ expect }) => {
    const { createServer } = await import('node:net');
    const held = createServer();
    const port = await new Promise<number>((ok) => held.listen(0, '127.0.0.1', () => ok((held.address() as { port: number }).port)));
    try {
      const r = await cli(['serve'], { TIMMY_PORT: String(port), LOG_LEVEL: 'silent' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`FLEET_PORT_IN_USE: port ${port} on 127.0.0.1 is taken`);
    } finally {
      held.close();
    }
  }, 120_000);

  it('says what is wrong with an unknown command (exit 2)', async ({ expect }) => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command');
  });

  it('next to a running collector on the embedded PostgreSQL, connects to that server and leaves it serving', async ({ expect }) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'timmy-cli-embedded-'));
    chmodSync(dataDir, 0o711);
    const embedded = { DATABASE_URL: '', TIMMY_DATA_DIR: dataDir };
    const postmaster = () => {
      const f = join(dataDir, 'pg', 'postmaster.pid');
      return existsSync(f) ? Number(readFileSync(f, 'utf8').split('\n')[0]) : null;
    };
    const alive = (pid: number | null) => pid !== null && existsSync(`/proc/${pid}`);
    const collector = await startCollectorProcess('', { TIMMY_DATA_DIR: dataDir });
    try {
      const pid = postmaster();
      expect(alive(pid)).toBe(true);
      const add = await cli(['node', 'add', 'beside-node'], embedded);
      expect(add.stderr).toBe('');
      expect(add.code).toBe(0);
      const list = await cli(['node', 'list'], embedded);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/beside-node/);
      // The same server, still running, and the collector still answers from it (it sees the CLI's node).
      expect(postmaster()).toBe(pid);
      expect(alive(pid)).toBe(true);
      expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
      const nodes = await fetch(`${collector.url}/v1/nodes`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(nodes.status).toBe(200);
      expect(JSON.stringify(await nodes.json())).toContain('beside-node');
    } finally {
      await stop(collector);
    }
    // With no collector running, a command starts the server for itself and stops it after.
    await waitFor("the collector's PostgreSQL to stop", async () => !alive(postmaster()));
    const alone = await cli(['node', 'list'], embedded);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toMatch(/beside-node/);
    expect(alive(postmaster())).toBe(false);
    rmSync(dataDir, { recursive: true, force: true });
  }, 300_000);
});
