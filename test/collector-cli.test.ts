/** The collector CLI as an operator runs it: real process, real database. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/pg.ts';
import { ROOT } from './support/processes.ts';

const exec = promisify(execFile);
let db: Awaited<ReturnType<typeof createTestDatabase>>;
const cli = (args: string[], env: Record<string, string> = {}) =>
  exec(process.execPath, [join(ROOT, 'collector/src/cli.ts'), ...args], { env: { ...process.env, DATABASE_URL: db.url, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );

beforeAll(async () => {
  db = await createTestDatabase('cli');
});
afterAll(async () => db.drop());

describe('timmy-collector CLI', () => {
  it('prints help and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('node add <name>');
  });

  it('registers, lists and revokes a node', async () => {
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
  });

  it('refuses bad configuration with every problem and exit 1', async () => {
    const r = await cli(['serve'], { TIMMY_PORT: 'nope', TIMMY_GRACE_INTERVALS: '0' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('TIMMY_PORT');
    expect(r.stderr).toContain('sla.graceIntervals');
  });

  it('says what is wrong with an unknown command (exit 2)', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command');
  });
});
