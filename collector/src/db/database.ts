/**
 * One driver (postgres.js) and one style: tagged SQL with typed rows, written in the stores. drizzle
 * holds the schema (collector/src/db/schema) and applies drizzle-kit's migrations, nothing else.
 * Migrations are applied at start under an advisory lock.
 */
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { migrationsUpToDate } from './migration-state.ts';

export interface Database {
  sql: postgres.Sql;
  /**
   * Connections kept for the request path alone (ingest writes, credential and first-sight lookups).
   * postgres.js queues a query behind the ones in flight on a busy connection; on a shared pool an
   * agent's credential lookup could wait behind a settle batch or a scrape's aggregate.
   */
  ingest: postgres.Sql;
  close(): Promise<void>;
}

/** Advisory lock ids: one per job that must run once across collectors. */
export const LOCKS = {
  migrate: 727_001,
  settle: 727_002,
  retention: 727_003,
  rollup: 727_004,
  alerts: 727_005,
  payClose: 727_014,
} as const;

export function openDatabase(url: string, opts: { max?: number; ingestMax?: number } = {}): Database {
  const options = { onnotice: () => {}, connect_timeout: 10, idle_timeout: 60, transform: { undefined: null } };
  const sql = postgres(url, { ...options, max: opts.max ?? 10 });
  const ingest = postgres(url, { ...options, max: opts.ingestMax ?? 8 });
  return {
    sql,
    ingest,
    close: async () => {
      await Promise.all([sql.end({ timeout: 5 }), ingest.end({ timeout: 5 })]);
    },
  };
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * Applies committed migrations; several collectors starting at once wait on one lock. drizzle's
 * migrator (a second or more of CPU to load) is loaded only when there is something to apply: a
 * restart, and every CLI command, on a current database runs two plain queries instead.
 */
export async function migrateDatabase(url: string): Promise<void> {
  const lockConn = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await lockConn`select pg_advisory_lock(${LOCKS.migrate})`;
    if (!(await migrationsUpToDate(lockConn))) {
      const [{ drizzle }, { migrate }] = await Promise.all([import('drizzle-orm/postgres-js'), import('drizzle-orm/postgres-js/migrator')]);
      const m = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await migrate(drizzle(m), { migrationsFolder });
      } finally {
        await m.end();
      }
    }
    await lockConn`select pg_advisory_unlock(${LOCKS.migrate})`;
  } finally {
    await lockConn.end();
  }
}

/**
 * Runs `fn` only if this process gets the advisory lock; returns undefined when another holds it.
 *
 * The lock is transaction-scoped, taken in a transaction left open (idle, holding no snapshot, so it
 * holds back no vacuum) while `fn` runs its own queries on the pool; it ends with the transaction, or
 * with the session if the database goes away. Not `sql.reserve()` with a session lock: postgres.js
 * 3.4.9 strands a reserve queued behind a connection that the server terminates (a primary switched
 * over or killed), never settling it (porsager/postgres#1195), and the job that waited on it (the alert
 * cycle, settlement) would never run again in that process. A transaction's `begin` is an ordinary
 * query: on a lost connection it is retried on a fresh one or rejected.
 */
export async function withTryLock<T>(sql: postgres.Sql, lockId: number, fn: () => Promise<T>): Promise<T | undefined> {
  const out = await sql.begin(async (tx) => {
    const [row] = await tx<{ ok: boolean }[]>`select pg_try_advisory_xact_lock(${lockId}) as ok`;
    return row?.ok ? { value: await fn() } : undefined;
  });
  return out?.value;
}
