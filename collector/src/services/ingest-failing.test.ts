/**
 * The failing SLA-critical checks carried from one sample to the next (a sample without a check keeps
 * its last state) when a node's reports go through two collectors (or two processes of one): each
 * carries what the node row says, never an older copy of its own; the same for the check rows a
 * collector skips rewriting when it wrote the same status last. Real database, injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@timmy/shared';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import { loadConfig } from '../config.ts';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

describe('failing checks carried across collectors', () => {
  const clock = new ManualClock(T0);
  let a: Awaited<ReturnType<typeof testCollector>>;
  let b: Awaited<ReturnType<typeof testCollector>>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase('ingest_failing', { migrated: true });
    drop = db.drop;
    const ingest = { ...loadConfig({}).ingest, flushDelayMs: 0 };
    a = await testCollector(db.url, clock, { ingest });
    b = await testCollector(db.url, clock, { ingest });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await drop();
  });

  const post = async (c: typeof a, token: string, report: Report) => {
    const res = await c.app.inject({ method: 'POST', url: '/v1/reports', headers: { authorization: `Bearer ${token}` }, payload: report });
    expect(res.statusCode, res.body).toBe(200);
  };
  const failing = async (nodeId: number) =>
    (await a.database.sql<{ failing: string[] }[]>`select failing from nodes where id = ${nodeId}`)[0]!.failing;

  it("a collector that stored a node's earlier report does not carry its own stale copy over another collector's later one", async () => {
    const { token, nodeId } = await a.register('two-ways');
    // Through A: the gateway critical.
    await post(a, token, reportAt([T0], { seqStart: 1, gatewayOk: false }));
    expect(await failing(nodeId)).toEqual(['gateway']);
    // Through B: the gateway ok again.
    clock.now = T0 + 5_000;
    await post(b, token, reportAt([T0 + 5_000], { seqStart: 2 }));
    expect(await failing(nodeId)).toEqual([]);
    // Through A again, a sample without the check: it keeps the node's last state (ok), not A's memory of seq 1.
    clock.now = T0 + 10_000;
    const noCheck = reportAt([T0 + 10_000], { seqStart: 3 });
    noCheck.samples[0]!.checks = [];
    await post(a, token, noCheck);
    expect(await failing(nodeId)).toEqual([]);
    // And the carry itself still works through one collector: critical, then a sample without the check.
    clock.now = T0 + 15_000;
    await post(a, token, reportAt([T0 + 15_000], { seqStart: 4, gatewayOk: false }));
    clock.now = T0 + 20_000;
    const again = reportAt([T0 + 20_000], { seqStart: 5 });
    again.samples[0]!.checks = [];
    await post(a, token, again);
    expect(await failing(nodeId)).toEqual(['gateway']);
  });

  it('a collector does not skip writing a check row because of its own older copy when another collector wrote the row since', async () => {
    const { token, nodeId } = await a.register('check-rows');
    const status = async () =>
      (await a.database.sql<{ status: string }[]>`select status from node_check_status where node_id = ${nodeId} and name = 'gateway'`)[0]
        ?.status;
    clock.now = T0 + 30_000;
    await post(a, token, reportAt([clock.now], { seqStart: 1, gatewayOk: false }));
    expect(await status()).toBe('critical');
    clock.now += 5_000;
    await post(b, token, reportAt([clock.now], { seqStart: 2 }));
    expect(await status()).toBe('ok');
    // Critical again through A, within the offline grace: A's copy says critical already, the row says ok.
    clock.now += 5_000;
    await post(a, token, reportAt([clock.now], { seqStart: 3, gatewayOk: false }));
    expect(await status()).toBe('critical');
  });
});
