/**
 * Duplicates change nothing: a sample already stored, sent again (a replay out of order, or the same
 * report byte for byte), is acknowledged as a duplicate and moves neither the node row, nor the check
 * rows, nor the failing checks carried to the next sample, nor any interval. Real database, injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@timmy/shared';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import { loadConfig } from '../config.ts';

const S = 1000;
const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

describe('duplicate samples', () => {
  const clock = new ManualClock(T0 - 30 * S);
  let c: Awaited<ReturnType<typeof testCollector>>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase('duplicates', { migrated: true });
    drop = db.drop;
    c = await testCollector(db.url, clock, { ingest: { ...loadConfig({}).ingest, flushDelayMs: 0, rateLimitPerNodePerMin: 100_000 } });
    await c.services.observation.open();
  });
  afterAll(async () => {
    await c.close();
    await drop();
  });

  const post = async (token: string, report: Report) => {
    const res = await c.app.inject({ method: 'POST', url: '/v1/reports', headers: { authorization: `Bearer ${token}` }, payload: report });
    expect(res.statusCode).toBe(200);
    return res.json() as { accepted: number; duplicates: number };
  };
  /** Moves the clock to `t` with the collector beating every 2 s on the way (it observes throughout), then settles. */
  const tick = async (t: number) => {
    while (clock.now + 2 * S < t) {
      clock.now += 2 * S;
      await c.services.observation.beat();
    }
    clock.now = t;
    await c.services.observation.beat();
    await c.services.settler.run(t);
  };
  /** Everything a duplicate could move: the node row, its check rows, its intervals. */
  const snapshot = async (nodeId: number) => {
    const sql = c.database.sql;
    const [node] = await sql`select * from nodes where id = ${nodeId}`;
    const checks = await sql`select * from node_check_status where node_id = ${nodeId} order by name`;
    const intervals =
      await sql`select state, start_at, end_at, cause, evidence from state_intervals where node_id = ${nodeId} order by start_at`;
    return { node, checks, intervals };
  };

  it('old samples (a failing check among them) replayed after fresh ok ones change nothing', async () => {
    const { token, nodeId } = await c.register('replayed');
    // 60 s with the gateway critical (seq 1-12), then 30 s with it ok (seq 13-18), all live.
    const old: Report[] = [];
    let seq = 1;
    for (let t = T0; t < T0 + 90 * S; t += 5 * S) {
      await tick(t);
      const r = reportAt([t], { seqStart: seq++, sentAt: t, gatewayOk: t >= T0 + 60 * S });
      if (t < T0 + 60 * S) old.push(r);
      await post(token, r);
    }
    await tick(T0 + 90 * S);
    const before = await snapshot(Number(nodeId));
    expect(before.node!.failing).toEqual([]);
    expect(before.checks.find((r) => r.name === 'gateway')!.status).toBe('ok');

    // The twelve old samples come again, out of order and in one report (a fresh sentAt: they are late).
    const replay: Report = { ...old[0]!, sentAt: T0 + 90 * S, samples: old.flatMap((r) => r.samples).reverse() };
    expect(await post(token, replay)).toMatchObject({ accepted: 0, duplicates: 12 });
    await tick(T0 + 91 * S);
    const after = await snapshot(Number(nodeId));
    expect(after.node).toEqual({ ...before.node, state_check_at: after.node!.state_check_at });
    expect(after.checks).toEqual(before.checks);
    expect(after.intervals).toEqual(before.intervals);

    // The next live sample carries no gateway result: it must not inherit the replay's `critical`.
    const next = reportAt([T0 + 92 * S], { seqStart: 19, sentAt: T0 + 92 * S });
    delete next.samples[0]!.checks;
    clock.now = T0 + 92 * S;
    expect(await post(token, next)).toMatchObject({ accepted: 1, duplicates: 0 });
    await tick(T0 + 100 * S);
    const [row] = await c.database.sql`select failing, last_ok from nodes where id = ${nodeId}`;
    expect(row).toEqual({ failing: [], last_ok: true });
    const down = await c.database
      .sql`select cause, start_at from state_intervals where node_id = ${nodeId} and state = 'DOWN' and start_at >= ${new Date(T0 + 60 * S)}`;
    expect(down).toEqual([]);
  });

  it("a byte-for-byte replay of a dead node's last report is not a heartbeat", async () => {
    const { token, nodeId } = await c.register('dead');
    const reports: Report[] = [];
    for (let i = 0; i < 4; i++) {
      const t = T0 + 200 * S + i * 5 * S;
      await tick(t);
      reports.push(reportAt([t], { seqStart: 1 + i, sentAt: t }));
      await post(token, reports.at(-1)!);
    }
    // The agent dies; five minutes later the same last report arrives again (a proxy's retry, say).
    await tick(T0 + 515 * S);
    const before = await snapshot(Number(nodeId));
    expect(before.intervals.at(-1)).toMatchObject({ state: 'DOWN', cause: 'missed_heartbeats' });
    expect(await post(token, reports.at(-1)!)).toMatchObject({ accepted: 0, duplicates: 1 });
    await tick(T0 + 516 * S);
    const after = await snapshot(Number(nodeId));
    expect((after.node!.last_hb_at as Date).getTime()).toBe(T0 + 215 * S);
    expect(after.node).toEqual({ ...before.node, state_check_at: after.node!.state_check_at });
    expect(after.intervals).toEqual(before.intervals);
    // What Prometheus and the offline alert read: the age of the newest live heartbeat keeps growing.
    const metrics = (await c.app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('timmy_node_last_report_age_seconds{node="dead"} 301');
  });
});
