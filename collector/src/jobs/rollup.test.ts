import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@timmy/shared';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';
import { runRollup } from './rollup.ts';
import { runRetention } from './retention.ts';
import { dayOf } from './partitions.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const clock = new ManualClock(T0);
let c: Awaited<ReturnType<typeof testCollector>>;
let drop: () => Promise<void>;
let token: string;
let nodeId: number;
let seq = 0;
let posted = 0;

interface Values {
  load1: number;
  memPct: number;
  rssMib: number;
  cpuS: number;
}

/** One sample taken at `ts` with disk, system (load, memory) and the agent's footprint. */
function report(ts: number, v: Values, sentAt = ts): Report {
  return {
    v: 1,
    stream: 'rollupstream1',
    agentVersion: '0.1.0',
    sentAt,
    samples: [
      {
        seq: ++seq,
        ts,
        heartbeat: { bootId: 'b', uptimeS: 100, agentRssBytes: v.rssMib * 1024 * 1024, agentCpuSeconds: v.cpuS },
        disks: [
          { mount: '/', totalBytes: 100, freeBytes: 40, usedPct: 60 },
          { mount: '/data', totalBytes: 100, freeBytes: 10, usedPct: 90 },
        ],
        checks: [
          {
            name: 'system',
            probe: 'system',
            status: 'ok',
            message: 'fine',
            slaCritical: false,
            values: { load1: v.load1, memUsedPct: v.memPct },
          },
        ],
      },
    ],
  };
}

const post = async (body: Report) => {
  const res = await c.app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    payload: JSON.stringify(body),
  });
  expect(res.json()).toMatchObject({ accepted: 1 });
  posted++;
};
/** A live sample: taken and pushed at `at`. */
const live = async (at: number, v: Values) => {
  clock.now = at;
  await post(report(at, v));
};
const rollup = (now: number, lagMs?: number) =>
  runRollup(c.database.sql, now, { instanceId: 'test', pauseRatio: 0, ...(lagMs === undefined ? {} : { lagMs }) });
const hourRows = async () => c.database.sql`select * from metric_rollups where node_id = ${nodeId} order by hour`;
const hours = async () => (await hourRows()).map((r) => (r.hour as Date).getTime());
const pending = async () =>
  (await c.database.sql`select hour from rollup_pending where node_id = ${nodeId} order by hour`).map((r) => (r.hour as Date).getTime());
const minutes = async () => c.database.sql`
  select minute, samples, disk_pct_max, load1_avg, load1_max, mem_pct_avg, mem_pct_max, agent_rss_kib_max, agent_cpu_pct
  from metric_rollup_minutes where node_id = ${nodeId} order by minute`;

beforeAll(async () => {
  const db = await createTestDatabase('rollup', { migrated: true });
  drop = db.drop;
  c = await testCollector(db.url, clock);
  await c.services.observation.open();
  const r = await c.register('roll-a');
  token = r.token;
  nodeId = r.nodeId;
});
afterAll(async () => {
  await c.close();
  await drop();
});

describe('per-minute rollups, one row per node and hour', () => {
  it('writes nothing for an hour until it is complete (its end plus the lag)', async () => {
    // Minute 12:00: 12 live samples 5 s apart; the agent uses 0.05 CPU s per 5 s (1 % of a core).
    for (let i = 0; i < 12; i++) await live(T0 + i * 5000, { load1: i, memPct: 50 + i, rssMib: 40 + i, cpuS: 10 + i * 0.05 });
    // Minute 12:01: none. Minute 12:02: two samples 10 s apart, 0.5 CPU s between them (5 %).
    await live(T0 + 2 * MIN, { load1: 2, memPct: 40, rssMib: 30, cpuS: 20 });
    await live(T0 + 2 * MIN + 10_000, { load1: 4, memPct: 42, rssMib: 31, cpuS: 20.5 });

    expect(await rollup(T0 + 3 * MIN, 0)).toMatchObject({ hours: 0 });
    // The hour has ended but the lag (default 5 s) has not passed.
    expect(await rollup(T0 + HOUR + 4_999)).toMatchObject({ hours: 0 });
    expect(await hourRows()).toHaveLength(0);
    // The hour in progress is remembered, so its completion needs no rescan of its arrivals.
    expect(await pending()).toEqual([T0]);
  });

  it('rolls the complete hour up per minute (avg, max, agent CPU rate), readable per minute through the view', async () => {
    // A live sample of the next hour arrives before the run: its hour stays unwritten.
    await live(T0 + HOUR + 2_000, { load1: 1, memPct: 50, rssMib: 40, cpuS: 30 });
    // This run scans only the last minute of arrivals: hour 12:00 comes from the pending pairs.
    expect(await rollup(T0 + HOUR + 5_000)).toMatchObject({ hours: 1 });
    expect(await hours()).toEqual([T0]);
    // Rolled up, 12:00 left the pending pairs (the 13:00 sample arrived after this run's end, upTo).
    expect(await pending()).toEqual([]);

    // As stored: 60 elements, null for the minutes without a sample (postgres.js would read those as NaN).
    const [row] = await c.database.sql`
      select cardinality(samples) as n, array_to_string(samples, ',', '-') as samples, cardinality(array_remove(agent_cpu_pct, null)) as cpu_minutes
      from metric_rollups where node_id = ${nodeId}`;
    expect(row).toEqual({ n: 60, samples: '12,-,2' + ',-'.repeat(57), cpu_minutes: 2 });

    const [m0, m2, ...rest] = await minutes();
    expect(rest).toEqual([]);
    expect(m0).toMatchObject({ samples: 12, disk_pct_max: 90, load1_max: 11, mem_pct_max: 61, agent_rss_kib_max: 51 * 1024 });
    expect(m0!.minute.getTime()).toBe(T0);
    expect(m0!.load1_avg).toBeCloseTo(5.5, 5);
    expect(m0!.mem_pct_avg).toBeCloseTo(55.5, 5);
    expect(m0!.agent_cpu_pct).toBeCloseTo(1, 4);
    expect(m2).toMatchObject({ samples: 2, load1_avg: 3, load1_max: 4, mem_pct_avg: 41, mem_pct_max: 42, agent_rss_kib_max: 31 * 1024 });
    expect(m2!.minute.getTime()).toBe(T0 + 2 * MIN);
    expect(m2!.agent_cpu_pct).toBeCloseTo(5, 4);
  });

  it('a late sample for a completed hour recomputes that hour whole; re-running changes nothing', async () => {
    // A buffered sample taken at 12:00:58 (late: older than the live window), load 100.
    clock.now = T0 + HOUR + 10 * MIN;
    await post(report(T0 + 58_000, { load1: 100, memPct: 50, rssMib: 40, cpuS: 10.58 }, clock.now));
    expect(await rollup(clock.now + 10_000)).toMatchObject({ hours: 1 });
    const first = await hourRows();
    const again = await rollup(clock.now + 40_000);
    expect(again).toBeDefined();
    expect(await hourRows()).toEqual(first);
    expect(await hours()).toEqual([T0]);
    const [m0] = await minutes();
    expect(m0).toMatchObject({ samples: 13, load1_max: 100 });
    expect(m0!.agent_cpu_pct).toBeCloseTo(1, 4);
    const runs = await c.database.sql`select count(*)::int as n from job_runs where job = 'rollup'`;
    expect(runs[0]).toMatchObject({ n: 5 });
  });

  it('after a pause, every hour completed since is written in one run', async () => {
    await live(T0 + 2 * HOUR + 20 * MIN, { load1: 1, memPct: 50, rssMib: 40, cpuS: 40 });
    expect(await rollup(T0 + 4 * HOUR + 10_000)).toBeDefined();
    expect(await hours()).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR]);
    const m = await minutes();
    expect(m.map((r) => r.minute.getTime())).toEqual([T0, T0 + 2 * MIN, T0 + HOUR, T0 + 2 * HOUR + 20 * MIN]);
  });

  it('slices and batches do not change the result: one pair per statement, one-minute slices', async () => {
    const all = async () => c.database.sql`select * from metric_rollups order by node_id, hour`;
    const before = await all();
    expect(before.length).toBe(3);
    await c.database.sql`delete from metric_rollups`;
    await c.database.sql`delete from job_watermarks where job = 'rollup'`;
    const r = await runRollup(c.database.sql, T0 + 4 * HOUR + 10_000, {
      instanceId: 'test',
      pauseRatio: 0,
      batch: 1,
      sliceMs: 60_000,
      initialMs: 5 * HOUR,
    });
    expect(r).toMatchObject({ hours: 3 });
    expect(await all()).toEqual(before);
  });

  it('retention drops a rollup hour once all of it is older than the interval retention, raw samples after the raw window', async () => {
    const day = 86_400_000;
    const now = T0 + 52 * HOUR + 30 * MIN;
    const keep = now - 400 * day; // hh:30
    const sql = c.database.sql;
    const kept = [keep - 30 * MIN, keep + 10 * day - 30 * MIN];
    for (const hour of [keep - 90 * MIN, ...kept]) {
      await sql`
        insert into metric_rollups (node_id, hour, samples, disk_pct_max, load1_avg, load1_max, mem_pct_avg, mem_pct_max, agent_rss_kib_max, agent_cpu_pct)
        select ${nodeId}, ${new Date(hour)}, a, a, a, a, a, a, a::int[], a from (select array_fill(1::int2, array[60]) as a) x`;
    }
    const raw = async () => (await sql`select count(*)::int as n from samples where node_id = ${nodeId}`)[0]!.n as number;
    const r = await runRetention(sql, now, { rawMs: 48 * HOUR, intervalMs: 400 * day, instanceId: 'test' });
    // The hour ending at hh:00 goes; the one ending at hh+1:00 still holds minutes younger than 400 days.
    expect(r).toMatchObject({ rollups: 1 });
    expect(await hours()).toEqual([...kept, T0, T0 + HOUR, T0 + 2 * HOUR]);
    // Raw samples go a whole UTC day at a time (jobs/partitions.ts), once all of the day is older than the
    // raw window: T0's day ended 40.5 h before `now`, so its samples are all still there.
    expect(r!.partitions.dropped).toEqual([]);
    expect(await raw()).toBe(posted);
    const dayAfter = dayOf(T0) + day + 48 * HOUR;
    const r2 = await runRetention(sql, dayAfter, { rawMs: 48 * HOUR, intervalMs: 400 * day, instanceId: 'test' });
    expect(r2!.partitions.dropped).toContain(dayOf(T0));
    expect(await raw()).toBe(0);
    // The rollups outlive their raw samples (this later run also let the older of the two kept hours go).
    expect(await hours()).toEqual([kept[1], T0, T0 + HOUR, T0 + 2 * HOUR]);
  });

  it('stores percentages, load and agent CPU in hundredths: rounded, and clamped at 327.67', async () => {
    const t = T0 + 5 * HOUR;
    // Minute 0: load 0.004 then 400 (over the smallint range), memory 33.334 then 33.338 %, and the agent's
    // CPU seconds jump by 40 in 10 s (400 % of a core). Minute 1: one sample, load 0.006, memory 12.344 %.
    await live(t, { load1: 0.004, memPct: 33.334, rssMib: 40, cpuS: 100 });
    await live(t + 10_000, { load1: 400, memPct: 33.338, rssMib: 40, cpuS: 140 });
    await live(t + MIN, { load1: 0.006, memPct: 12.344, rssMib: 40, cpuS: 141 });
    // Minute 2: a sample without the system check: no load or memory (null, not 0).
    clock.now = t + 2 * MIN;
    const bare = report(clock.now, { load1: 0, memPct: 0, rssMib: 40, cpuS: 142 });
    bare.samples[0]!.checks = [];
    await post(bare);
    expect(await rollup(t + HOUR + 10_000)).toMatchObject({ hours: 1 });
    const [stored] = await c.database.sql`
      select array_to_string(load1_avg, ',', '-') as load1_avg, array_to_string(load1_max, ',', '-') as load1_max,
        array_to_string(mem_pct_avg, ',', '-') as mem_pct_avg, array_to_string(mem_pct_max, ',', '-') as mem_pct_max, agent_cpu_pct[1] as cpu
      from metric_rollups where node_id = ${nodeId} and hour = ${new Date(t)}`;
    const rest = ',-'.repeat(57);
    expect(stored).toEqual({
      load1_avg: `20000,1,-${rest}`,
      load1_max: `32767,1,-${rest}`,
      mem_pct_avg: `3334,1234,-${rest}`,
      mem_pct_max: `3334,1234,-${rest}`,
      cpu: 32767,
    });
    const m = (await minutes()).filter((r) => r.minute.getTime() >= t);
    expect(m).toHaveLength(3);
    expect(m[0]).toMatchObject({
      samples: 2,
      disk_pct_max: 90,
      load1_avg: 200,
      load1_max: 327.67,
      mem_pct_avg: 33.34,
      mem_pct_max: 33.34,
      agent_cpu_pct: 327.67,
    });
    expect(m[1]).toMatchObject({
      samples: 1,
      load1_avg: 0.01,
      load1_max: 0.01,
      mem_pct_avg: 12.34,
      mem_pct_max: 12.34,
      agent_cpu_pct: null,
    });
    expect(m[2]).toMatchObject({ samples: 1, disk_pct_max: 90, load1_avg: null, load1_max: null, mem_pct_avg: null, mem_pct_max: null });
  });
});
