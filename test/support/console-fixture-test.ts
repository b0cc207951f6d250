/**
 * The console fixture fleet (./console-fixture.ts) in a fresh database under an in-process collector with
 * a hand-driven clock, anonymous reads refused; for tests of the routes that read it. Call at the top of
 * a test file: it registers the beforeAll / afterAll hooks that create and drop everything, and `db`,
 * `c` and `f` are set once they ran. (A file of its own: the fixture itself is also seeded outside
 * vitest, by `pnpm bench:ui`.)
 */
import { afterAll, beforeAll } from 'vitest';
import { seedConsoleFixture, type ConsoleFixture } from './console-fixture.ts';
import { ManualClock, testCollector } from './harness.ts';
import { createTestDatabase } from './pg.ts';

interface Seeded {
  clock: ManualClock;
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  c: Awaited<ReturnType<typeof testCollector>>;
  /** The seeded fleet: 24 nodes, 4 operators, its present `now`. */
  f: ConsoleFixture;
}

/** The fixture in a database named after `name`, seeded with its present and the clock at `now`. */
export function consoleFixtureTest(name: string, now: number) {
  const fx = { clock: new ManualClock(now) } as Seeded;
  beforeAll(async () => {
    fx.db = await createTestDatabase(name, { migrated: true });
    fx.c = await testCollector(fx.db.url, fx.clock, { anonymousRead: false });
    fx.f = await seedConsoleFixture(fx.c.database.sql, { nodes: 24, operators: 4, now });
  });
  afterAll(async () => {
    await fx.c?.close();
    await fx.db?.drop();
  });
  /** A GET through the collector, the token (if any) as `Authorization: Bearer …`. */
  const get = (url: string, token?: string, headers: Record<string, string> = {}) =>
    fx.c.app.inject({ method: 'GET', url, headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  return Object.assign(fx, { get });
}
