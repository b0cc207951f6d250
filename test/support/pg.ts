/** A fresh database per test file on the run's PostgreSQL server, migrated like production. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';

export async function createTestDatabase(label = 't'): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = inject('pgAdminUrl');
  const name = `${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const sql = postgres(admin, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database "${name}"`);
  await sql.end();
  const url = new URL(admin);
  url.pathname = '/' + name;
  return {
    url: url.toString(),
    drop: async () => {
      const s = postgres(admin, { max: 1, onnotice: () => {} });
      await s.unsafe(`drop database if exists "${name}" with (force)`);
      await s.end();
    },
  };
}

/** A test database migrated like production, with a small postgres.js client on it; `drop` ends both. */
export async function migratedTestDatabase(label: string): Promise<{ url: string; sql: postgres.Sql; drop: () => Promise<void> }> {
  const { migrateDatabase } = await import('../../collector/src/db/database.ts');
  const db = await createTestDatabase(label);
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
