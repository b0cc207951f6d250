/**
 * A collector in process on a fresh database holding the pay README's worked example (April 2027,
 * collector/src/pay-service/testkit.ts readmeExample), with a hand-driven clock and an admin token;
 * for tests of the routes that read it. Call at the top of a test file: it registers the
 * beforeAll / afterAll hooks that create and drop everything, and the fields are set once they ran.
 */
import postgres from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { at, readmeExample } from '../../collector/src/pay-service/testkit.ts';
import { ManualClock, testCollector } from './harness.ts';
import { createTestDatabase } from './pg.ts';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

export interface PayExample {
  clock: ManualClock;
  /** The admin's authorization header. */
  auth: { authorization: string };
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  c: Awaited<ReturnType<typeof testCollector>>;
  /** A connection of the test's own to the example's database. */
  sql: postgres.Sql;
}

/** The example in a database named after `name`, the clock at `startIso`, anonymous reads refused. */
export function payExample(name: string, startIso: string): PayExample {
  const ex = { clock: new ManualClock(at(startIso).getTime()), auth: { authorization: `Bearer ${ADMIN_TOKEN}` } } as PayExample;
  beforeAll(async () => {
    ex.db = await createTestDatabase(name, { migrated: true });
    ex.c = await testCollector(ex.db.url, ex.clock, { anonymousRead: false });
    ex.sql = postgres(ex.db.url, { max: 1, onnotice: () => {} });
    await readmeExample(ex.sql);
  });
  afterAll(async () => {
    await ex.sql?.end();
    await ex.c?.close();
    await ex.db?.drop();
  });
  return ex;
}
