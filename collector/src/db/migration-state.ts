/**
 * Whether a database has every committed migration, asked with one plain query (no drizzle loaded):
 * the CLI skips loading the migrator when nothing is to apply. drizzle's migrator applies the journal
 * entries newer than the newest `created_at` in drizzle.__drizzle_migrations; so does this check.
 */
import { readFileSync } from 'node:fs';
import type postgres from 'postgres';

const journal = new URL('../../drizzle/meta/_journal.json', import.meta.url);

export async function migrationsUpToDate(sql: postgres.Sql): Promise<boolean> {
  const newest = Math.max(
    ...(JSON.parse(readFileSync(journal, 'utf8')) as { entries: Array<{ when: number }> }).entries.map((e) => e.when),
  );
  const [t] = await sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`;
  if (!t?.present) return false;
  const [r] = await sql`select max(created_at)::float8 as at from drizzle.__drizzle_migrations`;
  return r?.at !== null && Number(r!.at) >= newest;
}
