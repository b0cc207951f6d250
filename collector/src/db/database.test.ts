/**
 * Losing the database connection mid-work (a primary killed or switched over) is an error the caller
 * sees, never a crash of the process: a transaction or an advisory-locked job whose session dies
 * rejects, and the next query runs on a fresh connection.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
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
    // A pool of its own (the driver can still leave a pool whose transaction's session was terminated
    // with a connection that hangs a later reserve: a known gap, see docs/scaling.md).
    const pool = postgres(db.url, { max: 2, onnotice: () => {} });
    const LOCK = 990_001;
    const run = withTryLock(pool, LOCK, async () => {
      const [holder] = await killer`select pid from pg_locks where locktype = 'advisory' and objid = ${LOCK} and granted`;
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
});
