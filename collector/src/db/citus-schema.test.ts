/**
 * Every table has a declared place in a Citus cluster (the scale-out path past one PostgreSQL, see
 * docs/scaling.md): distributed by node (co-located on the node's id) or a reference table (small,
 * copied to every worker). Read from the live schema of a migrated database, so a new table fails
 * here until it is classified. For a distributed table, Citus can enforce a primary key or a unique
 * index only if it includes the distribution column; the tables that do not yet fit are declared as
 * known gaps (with the change each needs), and this test fails if the list goes stale either way.
 * A partitioned table (samples) is classified once: its partitions go where it goes.
 */
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedTestDatabase } from '../../../test/support/pg.ts';

type Placement = { distributed: string } | 'reference';

/** The one list: every table and where it goes. */
const CITUS_PLACEMENT: Record<string, Placement> = {
  nodes: { distributed: 'id' },
  samples: { distributed: 'node_id' },
  state_intervals: { distributed: 'node_id' },
  metric_rollups: { distributed: 'node_id' },
  rollup_pending: { distributed: 'node_id' },
  node_check_status: { distributed: 'node_id' },
  node_credentials: 'reference',
  operators: 'reference',
  enrollment_tokens: 'reference',
  maintenance_windows: 'reference',
  collector_spans: 'reference',
  job_runs: 'reference',
  job_watermarks: 'reference',
  alert_instances: 'reference',
  alert_state_stamp: 'reference',
  incidents: 'reference',
  incident_nodes: 'reference',
  incident_events: 'reference',
  alert_notifications: 'reference',
  people: 'reference',
  person_tokens: 'reference',
  partners: 'reference',
  referrals: 'reference',
  applications: 'reference',
  operator_transitions: 'reference',
  node_ownership: { distributed: 'node_id' },
  pay_policy_versions: 'reference',
  task_imports: 'reference',
  month_closes: 'reference',
  statements: 'reference',
  pay_adjustments: 'reference',
  pay_disputes: 'reference',
  report_runs: 'reference',
  console_sessions: 'reference',
};

/** Distributed tables whose keys do not include the node yet, with the change each needs. */
const KNOWN_GAPS: Record<string, string> = {
  nodes: 'unique name across the fleet: move the name → id lookup to a reference table (node_names)',
  state_intervals: 'primary key (id): make it (node_id, id)',
};

let db: Awaited<ReturnType<typeof migratedTestDatabase>>;
let sql: postgres.Sql;

beforeAll(async () => {
  db = await migratedTestDatabase('citus_schema');
  sql = db.sql;
});

afterAll(async () => {
  await db?.drop();
});

describe('the schema against a Citus layout', () => {
  it('classifies every table, and lists exactly the distributed tables whose keys lack the node', async () => {
    const tables = (
      await sql`
        select t.table_name from information_schema.tables t join pg_class c on c.oid = format('public.%I', t.table_name)::regclass
        where t.table_schema = 'public' and t.table_type = 'BASE TABLE' and not c.relispartition order by 1`
    ).map((r) => r.table_name as string);
    expect(
      tables.filter((t) => !(t in CITUS_PLACEMENT)),
      'tables with no declared placement',
    ).toEqual([]);
    expect(
      Object.keys(CITUS_PLACEMENT).filter((t) => !tables.includes(t)),
      'declared tables that do not exist',
    ).toEqual([]);

    // Primary keys and unique indexes (partial ones too), with their key columns.
    const keys = await sql`
      select t.relname as table_name, i.relname as index_name,
             array(select a.attname::text from unnest(x.indkey) k join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k) as columns
      from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = 'public' and (x.indisunique or x.indisprimary)`;
    const misfits = new Map<string, string[]>();
    for (const k of keys) {
      const place = CITUS_PLACEMENT[k.table_name as string];
      if (!place || place === 'reference') continue;
      if (!(k.columns as string[]).includes(place.distributed))
        misfits.set(k.table_name, [...(misfits.get(k.table_name) ?? []), `${k.index_name}(${(k.columns as string[]).join(', ')})`]);
    }
    // The distribution column exists in each distributed table.
    const cols = await sql`select table_name, column_name from information_schema.columns where table_schema = 'public'`;
    for (const [t, p] of Object.entries(CITUS_PLACEMENT))
      if (p !== 'reference')
        expect(
          cols.some((c) => c.table_name === t && c.column_name === p.distributed),
          `${t}.${p.distributed}`,
        ).toBe(true);
    console.log('citus misfits:', Object.fromEntries(misfits));
    // samples is partitioned by day of `ts` (its partitions, left out above, are distributed with it):
    // Citus distributes a partitioned table whole, and its key (node_id, stream, seq, ts) holds both the
    // distribution column and the partition key.
    const [part] = await sql`select pg_get_partkeydef('samples'::regclass) as key`;
    expect(part!.key).toBe('RANGE (ts)');
    expect(keys.filter((k) => k.table_name === 'samples').map((k) => k.columns)).toEqual([['node_id', 'stream', 'seq', 'ts']]);
    expect([...misfits.keys()].sort()).toEqual(Object.keys(KNOWN_GAPS).sort());
  });
});
