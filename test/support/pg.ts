/** A fresh database per test file on the run's PostgreSQL server, migrated like production. */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { inject } from 'vitest';

const MIGRATIONS = join(import.meta.dirname, '../../collector/drizzle');
/** Serialises the one build of a template on a server (workers of a run, or runs on a shared server). */
const TEMPLATE_LOCK = 727_900;

const withDb = (admin: string, name: string) => {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
};

/**
 * The name of a database holding every committed migration, built once per server and migration set
 * (the name carries a hash of collector/drizzle, so a changed migration builds a new one): databases
 * cloned from it start migrated, and a collector started on one skips the migrations and the migrator.
 */
async function migratedTemplate(sql: postgres.Sql, admin: string): Promise<string> {
  const hash = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS, { recursive: true }).map(String).sort()) {
    if (f.endsWith('.sql') || f.endsWith('.json')) hash.update(f).update(readFileSync(join(MIGRATIONS, f)));
  }
  const template = `timmy_template_${hash.digest('hex').slice(0, 12)}`;
  await sql`select pg_advisory_lock(${TEMPLATE_LOCK})`;
  try {
    const [exists] = await sql`select 1 from pg_database where datname = ${template}`;
    if (!exists) {
      // Built under another name and renamed when complete: a run killed half way leaves no half template.
      const building = `${template}_${randomBytes(4).toString('hex')}`;
      await sql.unsafe(`create database "${building}"`);
      const { migrateDatabase } = await import('../../collector/src/db/database.ts');
      await migrateDatabase(withDb(admin, building));
      await sql.unsafe(`alter database "${building}" rename to "${template}"`);
    }
  } finally {
    await sql`select pg_advisory_unlock(${TEMPLATE_LOCK})`;
  }
  return template;
}

/**
 * A database of its own for a test file (or case). Blank by default (a collector started on it applies
 * the migrations, as on a new install); with `migrated`, a copy of a database that holds them already,
 * for tests where migrating is not what they prove (it saves each collector start the migrator's load and
 * the migrations themselves).
 */
export async function createTestDatabase(
  label = 't',
  opts: { migrated?: boolean } = {},
): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = inject('pgAdminUrl');
  const name = `${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const sql = postgres(admin, { max: 1, onnotice: () => {} });
  try {
    const template = opts.migrated ? ` template "${await migratedTemplate(sql, admin)}"` : '';
    // file_copy: copies the template's files (57 ms on the run's server) instead of writing its every block
    // to the WAL (149 ms), the default since PostgreSQL 15.
    await sql.unsafe(`create database "${name}"${template} strategy file_copy`);
  } finally {
    await sql.end();
  }
  return {
    url: withDb(admin, name),
    drop: async () => {
      const s = postgres(admin, { max: 1, onnotice: () => {} });
      await s.unsafe(`drop database if exists "${name}" with (force)`);
      await s.end();
    },
  };
}

/**
 * A test database migrated like production (a clone of the migrated template; migrateDatabase then finds
 * nothing to apply), with a small postgres.js client on it; `drop` ends both.
 */
export async function migratedTestDatabase(label: string): Promise<{ url: string; sql: postgres.Sql; drop: () => Promise<void> }> {
  const { migrateDatabase } = await import('../../collector/src/db/database.ts');
  const db = await createTestDatabase(label, { migrated: true });
  await migrateDatabase(db.url);
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  return {
    url: db.url,
    sql,
    drop: async () => {
      await sql.end();
      await db.drop();
    },
  };
}
