/**
 * Where a database stands against this build's committed migrations, asked with plain queries (no
 * drizzle loaded): migrateDatabase skips loading the migrator when nothing is to apply. drizzle's migrator
 * applies the journal entries newer than the newest `created_at` in drizzle.__drizzle_migrations; so
 * does this check.
 *
 * A database migrated by a newer build (a migration this build does not know) is refused: drizzle
 * would apply nothing and this build would run on a schema it was not written for (after the samples
 * table became partitioned, an older build would delete rows from it, or worse). Downgrades are not
 * supported: run the newer build, or restore a backup taken before the upgrade.
 */
import { readFileSync } from 'node:fs';
import type postgres from 'postgres';

const journal = new URL('../../drizzle/meta/_journal.json', import.meta.url);

/** Thrown when the database holds a migration newer than this build knows. */
export class DatabaseNewerError extends Error {
  readonly code = 'FLEET_DATABASE_NEWER';
}

/** The `when` of this build's newest migration. */
export function newestMigration(): number {
  return Math.max(...(JSON.parse(readFileSync(journal, 'utf8')) as { entries: Array<{ when: number }> }).entries.map((e) => e.when));
}

/** The `created_at` of the newest migration applied to the database, or null for a database never migrated. */
async function newestApplied(sql: postgres.Sql): Promise<number | null> {
  const [t] = await sql<{ present: boolean }[]>`select to_regclass('drizzle.__drizzle_migrations') is not null as present`;
  if (!t?.present) return null;
  const [r] = await sql<{ at: number | null }[]>`select max(created_at)::float8 as at from drizzle.__drizzle_migrations`;
  return r?.at === null || r?.at === undefined ? null : Number(r.at);
}

/** Throws DatabaseNewerError when the database was migrated by a newer build. */
export async function refuseNewerDatabase(sql: postgres.Sql): Promise<void> {
  const applied = await newestApplied(sql);
  const known = newestMigration();
  if (applied !== null && applied > known)
    throw new DatabaseNewerError(
      `the database was migrated by a newer collector (its newest migration is from ${new Date(applied).toISOString()}, ` +
        `this collector's from ${new Date(known).toISOString()}); downgrades are not supported: run the newer collector, ` +
        'or restore a backup taken before the upgrade',
    );
}

/** True when nothing is to apply; throws DatabaseNewerError for a database a newer build migrated. */
export async function migrationsUpToDate(sql: postgres.Sql): Promise<boolean> {
  await refuseNewerDatabase(sql);
  const applied = await newestApplied(sql);
  return applied !== null && applied >= newestMigration();
}
