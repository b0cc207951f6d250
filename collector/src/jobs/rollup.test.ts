import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@timmy/shared';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';
import { runRollup } from './rollup.ts';
import { runRetention } from './retention.ts';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const clock = new ManualClock(T0);
let c: Awaited<ReturnType<typeof testCollector>>;
let drop: () => Promise<void>;
let token: string;
let nodeId: number;

/** One sample per time with disk, system (load, memory) and the agent's footprint. */
function report(times: number[], seqStart: number, load: (i: number) => number, sentAt = Math.max(...times)): Report {
  return {
    v: 1,
    stream: 'rollupstream1',
    agentVersion: '0.1.0',
    sentAt,
    samples: times.map((ts, i) => ({
      seq: seqStart + i,
      ts,
      heartbeat: { bootId: 'b', uptimeS: 100, agentRssBytes: (40 + i) * 1024 * 1024, agentCpuSeconds: 10 + i * 0.05 },
      disks: [{ mount: '/', totalBytes: 100, freeBytes: 40, usedPct: 60 }, { mount: '/data', totalBytes: 100, freeBytes: 10, usedPct: 90 }],
      checks: [{ name: 'system', probe: 'system', status: 'ok', message: 'fine', slaCritical: false, values: { load1: load(i), memUsedPct: 50 + i } }],
    })),
  };
}

const post = (body: Report) => c.app.inject({ method: 'POST', url: '/v1/reports', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, payload: JSON.stringify(body) });
const rollups = async () => c.database.sql`select minute, samples, disk_pct_max, load1_avg, load1_max, mem_pct_max, agent_rss_kib_max, agent_cpu_pct from metric_rollups where node_id = ${nodeId} order by minute`;

beforeAll(async () => {
  const db = await createTestDatabase('rollup');
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

describe('per-minute rollups', () => {
  it('rolls live samples up per node and minute, from the compact metric columns', async () => {
    // 12 live samples, 5 s apart, in the minute 12:00; each one pushed as it is taken.
    for (let i = 0; i < 12; i++) {
      clock.now = T0 + i * 5000;
      const res = await post(report([clock.now], 1 + i, () => i));
      expect(res.statusCode).toBe(200);
    }
    clock.now = T0 + 70_000;
    const r = await runRollup(c.database.sql, clock.now, { instanceId: 'test', lagMs: 0 });
    expect(r?.minutes).toBe(1);
    const [row] = await rollups();
    expect(row).toMatchObject({ samples: 12, disk_pct_max: 90, load1_max: 11 });
    expect(row!.load1_avg).toBeCloseTo(5.5);
    expect(row!.minute.getTime()).toBe(T0);
    expect(row!.agent_rss_kib_max).toBe(40 * 1024);
  });

  it('a late sample for an old minute recomputes that minute whole; re-running changes nothing', async () => {
    clock.now = T0 + 130_000;
    // A buffered sample taken at 12:00:58 (late: older than the live window), load 100.
    const res = await post(report([T0 + 58_000], 100, () => 100, clock.now));
    expect(res.json()).toMatchObject({ accepted: 1 });
    await runRollup(c.database.sql, clock.now, { instanceId: 'test', lagMs: 0 });
    const again = await runRollup(c.database.sql, clock.now, { instanceId: 'test', lagMs: 0 });
    expect(again).toBeDefined();
    const rows = await rollups();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ samples: 13, load1_max: 100 });
    const runs = await c.database.sql`select count(*)::int as n from job_runs where job = 'rollup'`;
    expect(runs[0]!.n).toBe(3);
  });

  it('retention keeps rollups for the interval retention and drops raw samples after the raw window', async () => {
    const day = 86_400_000;
    await c.database.sql`insert into metric_rollups (node_id, minute, samples) values (${nodeId}, ${new Date(T0 - 401 * day)}, 1), (${nodeId}, ${new Date(T0 - 390 * day)}, 1)`;
    const r = await runRetention(c.database.sql, T0 + 49 * 3_600_000, { rawMs: 48 * 3_600_000, intervalMs: 400 * day, instanceId: 'test' });
    expect(r).toMatchObject({ rollups: 1 });
    expect(r!.samples).toBe(13);
    expect(await rollups()).toHaveLength(2); // the 390-day-old one and 12:00
  });
});
