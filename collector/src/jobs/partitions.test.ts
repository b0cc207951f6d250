import type postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migratedTestDatabase } from '../../../test/support/pg.ts';
import { runRetention } from './retention.ts';
import {
  DAY_MS,
  DEFAULT_PARTITION,
  createSamplePartition,
  dayOf,
  maintainSamplePartitions,
  partitionDay,
  partitionName,
  planPartitions,
  samplePartitionDays,
} from './partitions.ts';

const HOUR = 3_600_000;
const D0 = Date.UTC(2026, 10, 20); // a midnight, before any partition the migration made (around today)
const d = (n: number) => D0 + n * DAY_MS;

describe('planPartitions (pure)', () => {
  it.each([
    // now, existing days, raw window → days to create, days to drop
    { now: d(3) + 5 * HOUR, existing: [], rawH: 48, create: [d(1), d(2), d(3), d(4), d(5)], drop: [] },
    { now: d(3) + 5 * HOUR, existing: [d(0), d(1), d(2), d(3), d(4), d(5)], rawH: 48, create: [], drop: [d(0)] },
    // A day goes only once all of it is older than the window: at d(3) 00:00 exactly d(0) ends at the cutoff.
    { now: d(3), existing: [d(0), d(1)], rawH: 72, create: [d(2), d(3), d(4), d(5)], drop: [] },
    { now: d(3) + 1, existing: [d(-1), d(0), d(1)], rawH: 72, create: [d(2), d(3), d(4), d(5)], drop: [d(-1)] },
    { now: d(3), existing: [d(-2), d(-1), d(0), d(1)], rawH: 48, create: [d(2), d(3), d(4), d(5)], drop: [d(-2), d(-1), d(0)] },
  ])('now $now with $existing.length days, window $rawH h', ({ now, existing, rawH, create, drop }) => {
    const plan = planPartitions(existing, now, { rawMs: rawH * HOUR, aheadDays: 2 });
    expect({ create: plan.create, drop: plan.drop }).toEqual({ create, drop });
  });

  it('names a partition after its UTC day, and reads the day back', () => {
    expect(partitionName(Date.UTC(2026, 0, 5))).toBe('samples_p20260105');
    expect(partitionDay('samples_p20260105')).toBe(Date.UTC(2026, 0, 5));
    expect(partitionDay(DEFAULT_PARTITION)).toBeNull();
    expect(dayOf(Date.UTC(2026, 0, 5, 23, 59, 59, 999))).toBe(Date.UTC(2026, 0, 5));
  });
});

let db: Awaited<ReturnType<typeof migratedTestDatabase>>;
let sql: postgres.Sql;
let seq = 0;

/** Stores one sample row directly; returns its seq. */
async function put(ts: number, receivedAt = ts): Promise<number> {
  const s = ++seq;
  await sql`
    insert into samples (node_id, stream, seq, ts, received_at, at, live, ok)
    values (1, 'partstream', ${s}, ${new Date(ts)}, ${new Date(receivedAt)}, ${new Date(receivedAt)}, true, true)`;
  return s;
}
/** Where each stored sample is: seq → partition name. */
async function where(): Promise<Record<number, string>> {
  const rows = await sql`select seq::int as seq, tableoid::regclass::text as part from samples where stream = 'partstream'`;
  return Object.fromEntries(rows.map((r) => [r.seq, r.part]));
}

beforeAll(async () => {
  db = await migratedTestDatabase('partitions');
  sql = db.sql;
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(async () => {
  await sql`delete from samples`;
  for (const day of await samplePartitionDays(sql))
    if (day < dayOf(Date.now()) - 2 * DAY_MS) await sql.unsafe(`drop table ${partitionName(day)}`);
});

describe('the samples partitions', () => {
  it('the migration made the table partitioned by ts, with a default partition and today - 2 .. today + 2', async () => {
    const [p] = await sql`select pg_get_partkeydef('samples'::regclass) as key`;
    expect(p!.key).toBe('RANGE (ts)');
    const today = dayOf(Date.now());
    // The test may run across a midnight: the migration's today or the day before.
    const days = await samplePartitionDays(sql);
    const ok = [today, today - DAY_MS].some((t) => [-2, -1, 0, 1, 2].every((k) => days.includes(t + k * DAY_MS)));
    expect(ok, JSON.stringify(days.map((x) => new Date(x).toISOString()))).toBe(true);
    const [def] =
      await sql`select count(*)::int as n from pg_inherits where inhparent = 'samples'::regclass and inhrelid = ${DEFAULT_PARTITION}::regclass`;
    expect(def!.n).toBe(1);
  });

  it('a sample for a day without a partition is stored (default partition), and moves into the day once it is created', async () => {
    const a = await put(d(1) + HOUR);
    const b = await put(d(2) + HOUR);
    expect(await where()).toEqual({ [a]: DEFAULT_PARTITION, [b]: DEFAULT_PARTITION });
    await createSamplePartition(sql, d(1));
    expect(await where()).toEqual({ [a]: partitionName(d(1)), [b]: DEFAULT_PARTITION });
    // Still one sample per key: a resend of `a` meets it in its partition.
    await sql`
      insert into samples (node_id, stream, seq, ts, received_at, at, live, ok)
      values (1, 'partstream', ${a}, ${new Date(d(1) + HOUR)}, now(), now(), true, true) on conflict do nothing`;
    expect(Object.keys(await where())).toHaveLength(2);
  });

  it('retention creates the days ahead and drops whole days behind, keeping everything younger than the window', async () => {
    const now = d(4) + 6 * HOUR; // cutoff (48 h) at d(2) 06:00
    const rawMs = 48 * HOUR;
    const cutoff = now - rawMs;
    const all: Array<{ seq: number; ts: number; receivedAt: number }> = [];
    // Every 3 hours from d(0) to now, arriving when sampled; a late one (sampled d(1) 23:00, arrived
    // after the cutoff); a node whose clock is two days behind (sampled "d(0)", arrived just now).
    for (let t = d(0); t < now; t += 3 * HOUR) all.push({ seq: await put(t), ts: t, receivedAt: t });
    const late = { seq: await put(d(1) + 23 * HOUR, cutoff + HOUR), ts: d(1) + 23 * HOUR, receivedAt: cutoff + HOUR };
    const skewed = { seq: await put(d(0) + 2 * HOUR, now - 60_000), ts: d(0) + 2 * HOUR, receivedAt: now - 60_000 };
    all.push(late, skewed);
    await maintainSamplePartitions(sql, d(2), { rawMs }); // the days d(0) .. d(4) exist, as a running collector left them

    const r = await runRetention(sql, now, { rawMs, intervalMs: 400 * DAY_MS, pauseRatio: 0, instanceId: 'test' });
    expect(r!.partitions).toEqual({ created: [d(5), d(6)], dropped: [d(0), d(1)], busy: [] });
    const days = await samplePartitionDays(sql);
    for (const k of [2, 3, 4, 5, 6]) expect(days).toContain(d(k));
    expect(days).not.toContain(d(0));
    expect(days).not.toContain(d(1));

    const kept = await where();
    for (const s of all) {
      const young = s.receivedAt >= cutoff || s.ts >= cutoff;
      // A day goes only once all of it is older than the window: its own day (d(2)) is still there.
      const dayKept = dayOf(s.ts) + DAY_MS > cutoff;
      expect(s.seq in kept, `sample ts ${new Date(s.ts).toISOString()} received ${new Date(s.receivedAt).toISOString()}`).toBe(
        young || dayKept,
      );
    }
    // The ones that arrived within the window from a dropped day now sit in the default partition.
    expect(kept[late.seq]).toBe(DEFAULT_PARTITION);
    expect(kept[skewed.seq]).toBe(DEFAULT_PARTITION);
    // No raw row was deleted, no dead tuple left in the partitions kept.
    expect(r!.samples).toBe(0);

    // Once they too are older than the window, the default partition is emptied of them.
    const r2 = await runRetention(sql, now + rawMs, { rawMs, intervalMs: 400 * DAY_MS, pauseRatio: 0, instanceId: 'test' });
    expect(r2!.samples).toBe(2);
    expect(await where()).not.toHaveProperty(String(late.seq));
  });

  it('leaves a day it cannot lock in time to the next run, changing nothing', async () => {
    for (let k = 0; k <= 5; k++) await createSamplePartition(sql, d(k));
    const s = await put(d(0) + HOUR);
    const reader = await db.sql.reserve();
    try {
      await reader`begin`;
      await reader`select count(*) from samples`; // holds a lock on the table until the end of the transaction
      const r = await maintainSamplePartitions(sql, d(3) + HOUR, { rawMs: 48 * HOUR });
      expect(r.busy).toEqual([d(0)]);
      expect(r.dropped).toEqual([]);
      await reader`rollback`;
    } finally {
      reader.release();
    }
    expect(await where()).toHaveProperty(String(s));
    const again = await maintainSamplePartitions(sql, d(3) + HOUR, { rawMs: 48 * HOUR });
    expect(again.dropped).toEqual([d(0)]);
  });
});
