/**
 * Decommissioning a node, in process on a real database with a hand-driven clock: by an admin and by
 * the node itself. History kept, its open incident resolved with cause "decommissioned", no new alert,
 * left out of figures after its date, further reports refused with FLEET_NODE_DECOMMISSIONED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, nodeOfflineAlerts, reportAt, testCollector } from '../../../test/support/harness.ts';
import { loadConfig } from '../config.ts';

const ADMIN = 'admin-token-for-tests-0123456789';
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const clock = new ManualClock(T0);
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
const tokens: Record<string, string> = {};
const auth = { authorization: `Bearer ${ADMIN}` };

beforeAll(async () => {
  db = await createTestDatabase('decommission', { migrated: true });
  const base = loadConfig({ TIMMY_ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'silent' });
  // Reports come faster than real time here: no per-node rate limit in the way.
  c = await testCollector(db.url, clock, {
    alerts: nodeOfflineAlerts(),
    anonymousRead: false,
    ingest: { ...base.ingest, rateLimitPerNodePerMin: 1_000_000 },
  });
  await c.services.observation.open();
  for (const n of ['old-node', 'keep-node', 'self-node']) tokens[n] = (await c.register(n, { operator: 'op-d', region: 'eu' })).token;
});
afterAll(async () => {
  await c?.close();
  await db?.drop();
});

const report = (node: string) =>
  c.app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { authorization: `Bearer ${tokens[node]}`, 'content-type': 'application/json' },
    payload: JSON.stringify(reportAt([clock.now], { stream: `s-${node}` })),
  });
const get = async (url: string) => (await c.app.inject({ method: 'GET', url, headers: auth })).json() as any;

/** `seconds` of time in 5 s steps: `reporting` nodes report, the settle job and the alert cycle run. */
async function run(seconds: number, reporting: string[]) {
  for (let s = 0; s < seconds; s += 5) {
    clock.advance(5_000);
    for (const n of reporting) expect((await report(n)).statusCode).toBe(200);
    await c.services.writer.drain();
    await c.services.observation.beat();
    await c.services.settler.run(clock.now);
    await c.services.alerts.runCycle(clock.now);
  }
}

describe('node decommission', () => {
  it('by an admin: incident resolved, no new alert, reports refused, figures stop at its date, history kept', async () => {
    for (const n of ['old-node', 'keep-node', 'self-node']) expect((await report(n)).statusCode).toBe(200);
    await run(90, ['keep-node', 'self-node']); // old-node falls silent: offline incident
    const open = (await get('/v1/incidents?status=unresolved')).incidents;
    expect(open.map((i: any) => i.nodes)).toEqual([['old-node']]);

    const future = await c.app.inject({
      method: 'POST',
      url: '/v1/admin/nodes/old-node/decommission',
      headers: auth,
      payload: { at: new Date(clock.now + 60_000).toISOString() },
    });
    expect(future.statusCode).toBe(400);
    expect(
      (await c.app.inject({ method: 'POST', url: '/v1/admin/nodes/no-such-node/decommission', headers: auth, payload: {} })).json().code,
    ).toBe('FLEET_NOT_FOUND');
    expect((await c.app.inject({ method: 'POST', url: '/v1/admin/nodes/old-node/decommission', payload: {} })).statusCode).toBe(401);

    const at = clock.now;
    const res = await c.app.inject({
      method: 'POST',
      url: '/v1/admin/nodes/old-node/decommission',
      headers: auth,
      payload: { reason: 'hardware retired' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      node: 'old-node',
      decommissionedAt: new Date(at).toISOString(),
      reason: 'hardware retired',
      changed: true,
      resolvedIncidents: 1,
    });
    const resolved = (await get(`/v1/incidents/${open[0].id}`)).incident;
    expect(resolved).toMatchObject({ status: 'resolved', cause: 'decommissioned', resolvedBy: 'admin' });
    const again = await c.app.inject({ method: 'POST', url: '/v1/admin/nodes/old-node/decommission', headers: auth, payload: {} });
    expect(again.json()).toMatchObject({ changed: false, decommissionedAt: new Date(at).toISOString() });

    // Its reports are refused, with a code of their own.
    const refused = await report('old-node');
    expect(refused.statusCode).toBe(410);
    expect(refused.json().code).toBe('FLEET_NODE_DECOMMISSIONED');

    // Ten more minutes: no incident for it, no gauge for it.
    await run(600, ['keep-node', 'self-node']);
    expect((await get('/v1/incidents?status=unresolved')).incidents).toEqual([]);
    const metrics = (await c.app.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
    expect(metrics).toContain('node="keep-node"');
    expect(metrics).not.toContain('node="old-node"');

    // Figures: its time ends at the decommission (before it: counted; after: nothing), history kept.
    const own = await get(`/v1/nodes/old-node/uptime?from=${new Date(T0).toISOString()}&to=${new Date(clock.now).toISOString()}`);
    expect(own.upSeconds + own.downSeconds + own.unknownSeconds).toBeCloseTo((at - T0) / 1000, 0);
    expect(own.downSeconds).toBeGreaterThan(0);
    const before = await get(`/v1/operators/op-d/uptime?from=${new Date(T0).toISOString()}&to=${new Date(clock.now).toISOString()}`);
    expect(before.nodes.map((n: any) => n.node).sort()).toEqual(['keep-node', 'old-node', 'self-node']);
    const after = await get(`/v1/operators/op-d/uptime?from=${new Date(at + 1000).toISOString()}&to=${new Date(clock.now).toISOString()}`);
    expect(after.nodes.map((n: any) => n.node).sort()).toEqual(['keep-node', 'self-node']);
    expect(after.downSeconds).toBe(0);
  });

  it('by the node itself with its own credential (what the uninstall script calls)', async () => {
    const res = await c.app.inject({
      method: 'POST',
      url: '/v1/node/decommission',
      headers: { authorization: `Bearer ${tokens['self-node']}` },
      payload: { reason: 'uninstalled' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ node: 'self-node', changed: true, reason: 'uninstalled' });
    expect((await report('self-node')).json().code).toBe('FLEET_NODE_DECOMMISSIONED');
    // An uninstall run twice: the second says so and changes nothing.
    const twice = await c.app.inject({
      method: 'POST',
      url: '/v1/node/decommission',
      headers: { authorization: `Bearer ${tokens['self-node']}` },
    });
    expect(twice.json()).toMatchObject({ changed: false, reason: 'uninstalled' });
    expect(
      (await c.app.inject({ method: 'POST', url: '/v1/node/decommission', headers: { authorization: 'Bearer tfn_nope' } })).statusCode,
    ).toBe(401);
  });
});
