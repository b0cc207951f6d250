/**
 * Readiness means this collector can write: a database that answers but refuses writes (a primary
 * being demoted in a switchover, a standby reached without target_session_attrs) is not ready.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
let admin: postgres.Sql;
const name = () => new URL(db.url).pathname.slice(1);

/** Sets the database's default read-only flag and drops every session on it, so the pools reconnect with it. */
async function setReadOnly(on: boolean) {
  await admin.unsafe(`alter database "${name()}" set default_transaction_read_only = ${on ? 'on' : 'off'}`);
  await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name()} and pid <> pg_backend_pid()`;
}

beforeAll(async () => {
  db = await createTestDatabase('health', { migrated: true });
  c = await testCollector(db.url, new ManualClock(Date.now()));
  await c.services.observation.open();
  admin = postgres(db.url, { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  await admin?.end();
  await c?.close();
  await db?.drop();
});

describe('/readyz', () => {
  it('is ready while the database takes writes, not ready while it refuses them, and ready again after', async () => {
    expect((await c.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', observing: true });
    await setReadOnly(true);
    // The first query on a terminated connection may fail before the pool reconnects: not ready either way.
    await c.app.inject({ url: '/readyz' });
    const res = await c.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not_ready', reason: 'database read-only (no writable primary)' });
    await setReadOnly(false);
    await c.app.inject({ url: '/readyz' });
    expect((await c.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', observing: true });
  });
});
