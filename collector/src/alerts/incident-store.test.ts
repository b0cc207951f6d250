/**
 * The incident store on a database migrated from before `incident_nodes.node_id` became `node_name`:
 * the incidents recorded then keep their nodes, readable through the store.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { migrateDatabase } from '../db/database.ts';
import { getIncident, listIncidents } from './incident-store.ts';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const migrations = fileURLToPath(new URL('../../drizzle', import.meta.url));

let url: string;
let drop: () => Promise<void>;
let sql: postgres.Sql;
beforeAll(async () => {
  ({ url, drop } = await createTestDatabase('incident_store'));
  sql = postgres(url, { max: 2, onnotice: () => {} });
});
afterAll(async () => {
  await sql?.end();
  await drop?.();
});

/** Applies the committed migrations up to (not including) `tag`. */
async function migrateBefore(tag: string) {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  try {
    cpSync(migrations, dir, { recursive: true });
    const journal = JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
    const at = journal.entries.findIndex((e) => e.tag === tag);
    expect(at).toBeGreaterThan(0);
    journal.entries = journal.entries.slice(0, at);
    writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
    const m = postgres(url, { max: 1, onnotice: () => {} });
    await migrate(drizzle(m), { migrationsFolder: dir });
    await m.end();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it('incidents recorded before the node_name migration keep their nodes', async () => {
  await migrateBefore('0011_incident_node_name');
  await sql`insert into incidents (id, key, severity, status, summary, scope_type, operator_ids, regions, opened_at)
            values ('inc-old', 'region:eu:P1', 'P1', 'open', 'region eu outage', 'region', ${sql.json(['op-a'])}, ${sql.json(['eu'])}, ${new Date(T0)})`;
  for (const [node, removed] of [
    ['eu-1', null],
    ['eu-2', null],
    ['eu-3', new Date(T0 + 60_000)],
  ] as const) {
    await sql`insert into incident_nodes (node_id, incident_id, operator_id, region, added_at, removed_at)
              values (${node}, 'inc-old', 'op-a', 'eu', ${new Date(T0)}, ${removed})`;
  }

  await migrateDatabase(url);

  expect(await getIncident(sql, 'inc-old')).toMatchObject({ id: 'inc-old', severity: 'P1', nodeIds: ['eu-1', 'eu-2'], openedAt: T0 });
  expect((await listIncidents(sql, { node: 'eu-2' })).map((i) => i.id)).toEqual(['inc-old']);
  expect(await listIncidents(sql, { node: 'eu-3' })).toEqual([]);
  const columns = await sql<Array<{ column_name: string }>>`
    select column_name from information_schema.columns where table_name = 'incident_nodes' order by ordinal_position`;
  expect(columns.map((c) => c.column_name)).toEqual(['node_name', 'incident_id', 'operator_id', 'region', 'added_at', 'removed_at']);
});
