/**
 * Losing the database connection mid-work (a primary killed or switched over) is an error the caller
 * sees, never a crash of the process: a transaction or an advisory-locked job whose session dies
 * rejects, and the next query runs on a fresh connection.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { waitFor } from '../../../test/support/processes.ts';
import { withTryLock } from './database.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: postgres.Sql;
let killer: postgres.Sql;

beforeAll(async () => {
  db = await createTestDatabase('dbconn');
  sql = postgres(db.url, { max: 2, onnotice: () => {} });
  killer = postgres(db.url, { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  // With a timeout: the pool whose transaction lost its session may keep a connection that never settles.
  await sql?.end({ timeout: 1 });
  await killer?.end({ timeout: 1 });
  await db?.drop();
});

const terminate = (pid: number) => killer`select pg_terminate_backend(${pid})`;

describe('a session lost mid-work', () => {
  it('rejects the transaction it was running', async () => {
    const run = sql.begin(async (tx) => {
      const [session] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
      await terminate(session!.pid);
      await tx`select 1`;
    });
    await expect(run).rejects.toThrow();
    expect((await sql`select 1 as ok`)[0]!.ok).toBe(1);
  });

  it('rejects an advisory-locked job and leaves the lock free', async () => {
    // A pool of its own, so the terminated session cannot disturb the other cases.
    const pool = postgres(db.url, { max: 2, onnotice: () => {} });
    const LOCK = 990_001;
    const run = withTryLock(pool, LOCK, async () => {
      const [holder] = await killer`select pid from pg_locks where locktype = 'advisory' and objid = ${LOCK} and granted`;
      expect(holder, 'the lock is held while the job runs').toBeDefined();
      await terminate(holder!.pid as number);
      // The lock's session is gone while the job finishes its work.
      await new Promise((r) => setTimeout(r, 100));
      return 'done';
    });
    // Finishing its work or failing on the lost session are both fine; throwing from a timer (which ends
    // the process) or handing the dead connection back to the pool are not.
    await run.then(
      () => {},
      () => {},
    );
    // A query already sent on a connection whose session was just terminated may still fail once; the
    // next run takes the lock on a live session.
    const again = async () => withTryLock(pool, LOCK, async () => 'again').catch((e: Error) => e.message);
    const results = [await again(), await again(), await again()];
    await pool.end({ timeout: 1 });
    expect(results.at(-1)).toBe('again');
  });

  it('a job queued behind a connection that drops still runs or fails, never hangs', async () => {
    // postgres.js 3.4.9 strands a `reserve()` queued behind a connection that closes (porsager/postgres#1195):
    // the job waiting on it never ran again in that process, which is how a switchover of the primary
    // could stop a collector's alert cycle for good. The connection goes through a proxy here, so the
    // test can drop it the way a failed-over primary does: the socket closes, with no goodbye.
    const proxy = await tcpProxy(new URL(db.url));
    const url = new URL(db.url);
    url.host = `127.0.0.1:${proxy.port}`;
    const pool = postgres(url.toString(), { max: 1, onnotice: () => {} });
    const LOCK = 990_002;
    await pool`select 1`;
    const busy = pool`select pg_sleep(30)`.catch(() => 'dropped');
    await waitFor(
      'the sleeping query',
      async () => {
        const rows =
          await killer`select 1 from pg_stat_activity where query like '%pg_sleep(30)%' and pid <> pg_backend_pid() and state = 'active'`;
        return rows.length > 0;
      },
      60_000,
      50,
    );
    // The only connection is busy: the job is queued behind it.
    let settled = false;
    const queued = withTryLock(pool, LOCK, async () => 'ran').then(
      (v) => ((settled = true), v),
      (e: Error) => ((settled = true), e.message),
    );
    proxy.dropAll();
    expect(await busy).toBe('dropped');
    await waitFor('the queued job to settle', async () => settled, 60_000, 50);
    expect(await queued).toMatch(/^(ran|.*CONNECTION_CLOSED.*)$/);
    // Whichever way the queued job went, the pool works and the lock can be taken again.
    expect(await withTryLock(pool, LOCK, async () => 'again')).toBe('again');
    await pool.end({ timeout: 1 });
    await proxy.close();
  }, 120_000);
});

/** A TCP proxy to PostgreSQL whose connections the test can drop at once. */
async function tcpProxy(target: URL): Promise<{ port: number; dropAll: () => void; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
