/**
 * Migration 0012 (samples partitioned by UTC day of `ts`) on a database a previous version wrote, the
 * exactly-once storage of a sample resent across midnight, and the refusal of a downgrade.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { Report } from '@timmy/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import { runRetention } from '../jobs/retention.ts';
import { runRollup } from '../jobs/rollup.ts';
import { DAY_MS, DEFAULT_PARTITION, dayOf, partitionName } from '../jobs/partitions.ts';
import { migrateDatabase } from './database.ts';
import { migrationsUpToDate, newestMigration } from './migration-state.ts';

const HOUR = 3_600_000;
const FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));
const journal = () =>
  JSON.parse(readFileSync(join(FOLDER, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string; when: number }> };
const PARTITIONED = journal().entries.find((e) => e.tag === '0012_samples_partitioned')!.when;

/** The committed migrations older than 0012 (whatever came before it), in a folder of their own. */
function migrationsBefore(when: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'timmy-migrations-'));
  cpSync(FOLDER, dir, { recursive: true });
  const j = journal();
  writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify({ ...j, entries: j.entries.filter((e) => e.when < when) }));
  return dir;
}

/** Every stored sample, column for column, in key order: one digest to compare before and after. */
const digest = async (sql: postgres.Sql) =>
  (
    await sql`
      select count(*)::int as n, md5(string_agg(row(node_id, stream, seq, ts, received_at, at, live, ok, detail, disk_pct, load1, mem_pct,
        agent_rss_kib, agent_cpu_s, lag_ms, uptime_s)::text, ',' order by node_id, stream, seq)) as md5 from samples`
  )[0] as { n: number; md5: string };

describe('migration 0012 on a database a previous version wrote', () => {
  const now = Date.now();
  const clock = new ManualClock(now);
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let c: Awaited<ReturnType<typeof testCollector>> | undefined;
  let before: { n: number; md5: string };
  let nodeIds: number[];

  beforeAll(async () => {
    db = await createTestDatabase('samples_migration');
    const dir = migrationsBefore(PARTITIONED);
    // drizzle rewrites its client's date serializers: the migration gets a client of its own.
    const m = postgres(db.url, { max: 1, onnotice: () => {} });
    await migrate(drizzle(m), { migrationsFolder: dir }).finally(() => m.end());
    const old = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      // What the previous version's ingest left: two nodes, every 10 minutes over the last 50 hours, the
      // metric columns filled; a late sample; one from a node whose clock is 30 days behind.
      nodeIds = (
        await old`insert into nodes (name, created_at) values ('mig-a', now() - interval '3 days'), ('mig-b', now() - interval '3 days') returning id`
      ).map((r) => Number(r.id));
      await old`
        insert into samples (node_id, stream, seq, ts, received_at, at, live, ok, detail, disk_pct, load1, mem_pct, agent_rss_kib, agent_cpu_s, lag_ms, uptime_s)
        select n, 'migstream', k, t, t + interval '20 ms', t + interval '20 ms', true, k % 7 <> 0,
               case when k % 7 = 0 then '{"failing":["gateway"],"checks":[]}'::jsonb end, 50 + k % 10, k / 100.0, 40, 40000, k * 0.01, 20, 1000 + k
        from unnest(${nodeIds}::int8[]) n, generate_series(0, 299) k,
             lateral (select ${new Date(now)}::timestamptz - interval '50 hours' + k * interval '10 minutes' as t) x`;
      await old`
        insert into samples (node_id, stream, seq, ts, received_at, at, live, ok, lag_ms)
        values (${nodeIds[0]!}, 'migstream', 1000, ${new Date(now - 30 * HOUR)}, ${new Date(now - HOUR)}, ${new Date(now - 30 * HOUR)}, false, true, null),
               (${nodeIds[1]!}, 'skewstream', 1, ${new Date(now - 30 * 24 * HOUR)}, ${new Date(now - HOUR)}, ${new Date(now - HOUR)}, true, true, 5)`;
      before = await digest(old);
      const [kind] = await old`select relkind from pg_class where oid = 'samples'::regclass`;
      expect(kind!.relkind).toBe('r');
    } finally {
      await old.end();
      rmSync(dir, { recursive: true, force: true });
    }
    // The current version starts on it: migrates, then serves.
    c = await testCollector(db.url, clock);
    await c.services.observation.open();
  });
  afterAll(async () => {
    await c?.close();
    await db?.drop();
  });

  it('keeps every sample, column for column, each in the partition of its day (far-off clocks in the default one)', async () => {
    const sql = c!.database.sql;
    expect(await digest(sql)).toEqual(before);
    expect(before.n).toBe(602);
    const [kind] = await sql`select relkind from pg_class where oid = 'samples'::regclass`;
    expect(kind!.relkind).toBe('p');
    const misplaced = await sql`
      select stream, seq::int, ts, tableoid::regclass::text as part from samples
      where tableoid::regclass::text <> 'samples_p' || to_char(ts at time zone 'UTC', 'YYYYMMDD')`;
    expect(misplaced.map((r) => [r.stream, r.part])).toEqual([['skewstream', DEFAULT_PARTITION]]);
  });

  it('then ingest, rollup and retention work on it', async () => {
    const sql = c!.database.sql;
    const { token } = await c!.register('mig-new');
    clock.now = now;
    const res = await c!.app.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: { authorization: `Bearer ${token}` },
      payload: reportAt([now - 1000], { stream: 'newstream01' }),
    });
    expect(res.json()).toMatchObject({ accepted: 1 });
    expect((await digest(sql)).n).toBe(603);

    // The rollup finds the migrated hours (its first run looks 48 h back).
    const r = await runRollup(sql, now, { instanceId: 'test', pauseRatio: 0 });
    expect(r!.hours).toBeGreaterThanOrEqual(2 * 47);
    const [m] = await sql`select count(*)::int as n from metric_rollups where node_id = ${nodeIds[0]!}`;
    expect(m!.n).toBeGreaterThanOrEqual(47);

    // Three days on, the days of the migrated samples are dropped whole; what is younger stays.
    const later = now + 3 * DAY_MS;
    const ret = await runRetention(sql, later, { rawMs: 48 * HOUR, intervalMs: 400 * DAY_MS, pauseRatio: 0, instanceId: 'test' });
    expect(ret!.partitions.dropped).toContain(dayOf(now - 50 * HOUR));
    expect(ret!.partitions.busy).toEqual([]);
    const left =
      await sql`select stream, ts from samples where ts < ${new Date(later - 48 * HOUR)} and received_at < ${new Date(later - 48 * HOUR)}`;
    expect(left).toEqual([]);
    const [exists] = await sql`select to_regclass(${partitionName(dayOf(now - 50 * HOUR))}) is null as gone`;
    expect(exists!.gone).toBe(true);
  });
});

describe('a sample resent across midnight', () => {
  // Tomorrow's midnight, UTC: the migration created the partitions on both sides of it.
  const midnight = dayOf(Date.now()) + DAY_MS;
  const clock = new ManualClock(midnight - 2000);
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let c: Awaited<ReturnType<typeof testCollector>> | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('samples_midnight');
    c = await testCollector(db.url, clock);
    await c.services.observation.open();
  });
  afterAll(async () => {
    await c?.close();
    await db?.drop();
  });

  it('is stored once: the first copy arrived before midnight, the resend (its acknowledgement was lost) after', async () => {
    const { token, nodeId } = await c!.register('midnight-a');
    const post = async (body: Report) =>
      (
        await c!.app.inject({ method: 'POST', url: '/v1/reports', headers: { authorization: `Bearer ${token}` }, payload: body })
      ).json() as { accepted: number; duplicates: number };
    const first = reportAt([midnight - 3000, midnight - 2500], { stream: 'midnight01', sentAt: midnight - 2100 });
    expect(await post(first)).toMatchObject({ accepted: 2 });
    clock.now = midnight + 5000;
    // The agent resends the unacknowledged batch (same samples, a new send time) after midnight.
    expect(await post({ ...first, sentAt: midnight + 4900 })).toMatchObject({ accepted: 0, duplicates: 2 });
    const rows = await c!.database
      .sql`select seq::int as seq, count(*)::int as n from samples where node_id = ${nodeId} group by seq order by seq`;
    expect(rows.map((r) => r.n)).toEqual([1, 1]);
  });
});

describe('a database migrated by a newer collector', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase('samples_downgrade');
    await migrateDatabase(db.url);
    // What a newer collector's next migration leaves in the migrations table.
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    await sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('newer', ${newestMigration() + 1})`;
    await sql.end();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('is refused at start with FLEET_DATABASE_NEWER and a message saying what to do', async () => {
    await expect(migrateDatabase(db.url)).rejects.toMatchObject({
      code: 'FLEET_DATABASE_NEWER',
      message: expect.stringMatching(/newer collector.*downgrades are not supported/),
    });
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      // The CLI's check (it skips the migrator when nothing is to apply) refuses it too.
      await expect(migrationsUpToDate(sql)).rejects.toMatchObject({ code: 'FLEET_DATABASE_NEWER' });
    } finally {
      await sql.end();
    }
  });
});
