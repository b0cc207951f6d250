/**
 * SLA figures through the API on a real PostgreSQL: maintenance declared ahead and applied at read
 * time, thresholds per tier, budgets, operator / region / fleet views, and the aggregate SQL path
 * agreeing with the pure one node by node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';
import { spansForNode } from '../sla/maintenance.ts';
import { activeMaintenance } from '../services/maintenance.ts';
import { listSlaNodes } from '../services/sla.ts';
import { loadMaintenance, nodeUptime, totalsByNode } from '../services/uptime.ts';

const S = 1000;
const H = 3_600_000;
const D = 24 * H;
const NOV = Date.UTC(2026, 10, 1);
const ADMIN = { authorization: 'Bearer admin-token-for-tests-0123456789' };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
const clock = new ManualClock(NOV - 7 * D);
const ids: Record<string, number> = {};

async function interval(node: string, state: string, start: number, end: number | null) {
  await c.database.sql`insert into state_intervals (node_id, state, start_at, end_at, cause, evidence)
    values (${ids[node]!}, ${state}, ${new Date(start)}, ${end === null ? null : new Date(end)}, ${state === 'UP' ? 'heartbeat' : 'missed_heartbeats'}, '{}'::jsonb)`;
}
const get = async (url: string) => {
  const r = await c.app.inject({ method: 'GET', url });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
};

beforeAll(async () => {
  db = await createTestDatabase('uptime', { migrated: true });
  c = await testCollector(db.url, clock);
  expect(
    (await c.app.inject({ method: 'PUT', url: '/v1/admin/operators/alice', headers: ADMIN, payload: { tier: 'senior', region: 'eu' } }))
      .statusCode,
  ).toBe(200);
  for (const [name, operator, region] of [
    ['a1', 'alice', 'eu'],
    ['a2', 'alice', 'eu'],
    ['b1', 'bob', 'us'],
  ] as const)
    ids[name] = (await c.register(name, { operator, region })).nodeId;
  // Fleet-wide weekly Sunday 02:00-04:00 UTC, declared a week ahead; a one-off for node a2.
  const weekly = await c.app.inject({
    method: 'POST',
    url: '/v1/admin/maintenance',
    headers: ADMIN,
    payload: {
      scope: 'fleet',
      start: '2026-11-01T02:00:00Z',
      end: '2026-11-01T04:00:00Z',
      recurrence: 'weekly',
      declaredBy: 'lead',
      reason: 'weekly window',
    },
  });
  expect(weekly.statusCode, weekly.body).toBe(201);
  const oneOff = await c.app.inject({
    method: 'POST',
    url: '/v1/admin/maintenance',
    headers: ADMIN,
    payload: {
      scope: 'node',
      node: 'a2',
      start: '2026-11-03T10:00:00Z',
      end: '2026-11-03T12:00:00Z',
      declaredBy: 'alice',
      reason: 'disk swap',
    },
  });
  expect(oneOff.statusCode, oneOff.body).toBe(201);
  // a1: UP all month but DOWN 01:00-03:00 on Nov 1 (an hour of it inside the weekly window).
  await interval('a1', 'UP', NOV - 2 * D, NOV + H);
  await interval('a1', 'DOWN', NOV + H, NOV + 3 * H);
  await interval('a1', 'UP', NOV + 3 * H, null);
  // a2: UP, DOWN during its own window (does not count) and 30 min outside it.
  await interval('a2', 'UP', NOV, NOV + 2 * D + 10 * H);
  await interval('a2', 'DOWN', NOV + 2 * D + 10 * H, NOV + 2 * D + 12 * H + 30 * 60 * S);
  await interval('a2', 'UP', NOV + 2 * D + 12 * H + 30 * 60 * S, null);
  // b1: registered mid-month, UP since Nov 5; 1 h UNKNOWN (collector outage).
  await interval('b1', 'UP', NOV + 4 * D, NOV + 5 * D);
  await interval('b1', 'UNKNOWN', NOV + 5 * D, NOV + 5 * D + H);
  await interval('b1', 'UP', NOV + 5 * D + H, null);
  await c.database.sql`update nodes set current_state = 'UP'`;
  clock.now = NOV + 10 * D;
});
afterAll(async () => {
  await c?.close();
  await db?.drop();
});

describe('maintenance API', () => {
  it('refuses a window that starts in the past with a stable code', async () => {
    const r = await c.app.inject({
      method: 'POST',
      url: '/v1/admin/maintenance',
      headers: ADMIN,
      payload: { scope: 'fleet', start: '2026-11-10T00:00:00Z', end: '2026-11-12T00:00:00Z', declaredBy: 'lead', reason: 'late' },
    });
    expect(r.statusCode).toBe(422);
    expect(r.json().code).toBe('FLEET_MAINTENANCE_IN_PAST');
  });
  it.each([
    ['a node window without its node', { scope: 'node' }, 400],
    ['an unknown operator', { scope: 'operator', operator: 'nobody' }, 404],
    ['a daily window longer than a day', { scope: 'fleet', recurrence: 'daily', end: '2026-11-13T01:00:00Z' }, 400],
  ])('refuses %s', async (_n, over, status) => {
    const r = await c.app.inject({
      method: 'POST',
      url: '/v1/admin/maintenance',
      headers: ADMIN,
      payload: { start: '2026-11-12T00:00:00Z', end: '2026-11-12T02:00:00Z', declaredBy: 'lead', reason: 'x', ...over },
    });
    expect(r.statusCode, r.body).toBe(status);
  });
  it('needs the admin token to declare', async () => {
    const r = await c.app.inject({
      method: 'POST',
      url: '/v1/admin/maintenance',
      payload: { scope: 'fleet', start: '2026-12-01T00:00:00Z', end: '2026-12-01T01:00:00Z', declaredBy: 'x', reason: 'x' },
    });
    expect(r.statusCode).toBe(401);
  });
  it('deletes a window that has not started and cancels one that has', async () => {
    const ahead = await c.app.inject({
      method: 'POST',
      url: '/v1/admin/maintenance',
      headers: ADMIN,
      payload: {
        scope: 'region',
        region: 'us',
        start: '2026-11-20T00:00:00Z',
        end: '2026-11-20T01:00:00Z',
        declaredBy: 'lead',
        reason: 'x',
      },
    });
    const del = await c.app.inject({ method: 'DELETE', url: `/v1/admin/maintenance/${ahead.json().id}`, headers: ADMIN });
    expect(del.json()).toEqual({ id: ahead.json().id, deleted: true, cancelledAt: null });
    const list = await get('/v1/maintenance');
    expect(list.map((w: { reason: string }) => w.reason).sort()).toEqual(['disk swap', 'weekly window']);
    // Cancelling a started series keeps its past occurrences (checked on a copy so other tests keep theirs).
    const [copy] = await c.database
      .sql`insert into maintenance_windows (scope, target, starts_at, ends_at, recurrence, declared_by, reason, created_at)
      values ('region', 'nowhere', ${new Date(NOV)}, ${new Date(NOV + H)}, 'daily', 'lead', 'copy', ${new Date(NOV - D)}) returning id`;
    const cancel = await c.app.inject({ method: 'DELETE', url: `/v1/admin/maintenance/${copy!.id}?by=lead`, headers: ADMIN });
    expect(cancel.json()).toMatchObject({ deleted: false, cancelledAt: new Date(clock.now).toISOString() });
    expect((await c.app.inject({ method: 'DELETE', url: '/v1/admin/maintenance/999999', headers: ADMIN })).statusCode).toBe(404);
  });
});

describe('uptime views', () => {
  it("a node: maintenance excluded, held to its operator's tier, with budget and projection", async () => {
    const v = await get('/v1/nodes/a1/uptime?month=2026-11');
    // Nov 1 00:00 → now (10 days): DOWN 01:00-02:00 counts, 02:00-03:00 is inside the weekly window.
    expect(v.downSeconds).toBe(3600);
    expect(v.maintenanceSeconds).toBe(2 * 2 * 3600); // Nov 1 and Nov 8
    expect(v.thresholdPct).toBe(99.7);
    expect(v.budget.month).toBe('2026-11');
    expect(v.budget.usedDownSeconds).toBe(3600);
    // allowed = 0.3 % of (counted so far + the rest of the month minus the weekly windows ahead: Nov 15, 22, 29).
    const counted = 10 * 86400 - 4 * 3600;
    const ahead = 20 * 86400 - 3 * 2 * 3600;
    expect(v.budget.allowedDownSeconds).toBeCloseTo(0.003 * (counted + ahead), 3);
    expect(v.budget.final).toBe(false);
    // Budget is left, but at the pace of the last 30 days (1 h down in ~10 days) the month would end below 99.7 %.
    expect(v.budget.leftSeconds).toBeCloseTo(v.budget.allowedDownSeconds - 3600, 3);
    expect(v.projection.meetsThreshold).toBe(false);
    expect(v.projection.downSeconds).toBeGreaterThan(v.budget.allowedDownSeconds);
  });

  it("a node's own window hides its downtime; intervals show who declared it", async () => {
    const v = await get('/v1/nodes/a2/uptime?window=30d&intervals=true');
    expect(v.downSeconds).toBe(1800);
    const m = v.intervals.filter((i: { state: string }) => i.state === 'MAINTENANCE');
    expect(
      m.some((i: { evidence: Record<string, unknown> }) => i.evidence.declaredBy === 'alice' && i.evidence.underlying === 'DOWN'),
    ).toBe(true);
  });

  it('an operator: all its nodes, its tier, and per-node rows', async () => {
    const v = await get('/v1/operators/alice/uptime?month=2026-11');
    expect(v).toMatchObject({ level: 'operator', key: 'alice', nodeCount: 2, thresholdPct: 99.7, downSeconds: 3600 + 1800 });
    expect(v.nodes.map((n: { node: string }) => n.node)).toEqual(['a1', 'a2']);
    const a1 = await get('/v1/nodes/a1/uptime?month=2026-11');
    const row = v.nodes[0];
    for (const k of ['ratio', 'upSeconds', 'downSeconds', 'unknownSeconds', 'maintenanceSeconds'] as const)
      expect(row[k]).toBeCloseTo(a1[k], 6);
    expect(row.budget.allowedDownSeconds).toBeCloseTo(a1.budget.allowedDownSeconds, 3);
    expect((await c.app.inject({ method: 'GET', url: '/v1/operators/nobody/uptime' })).statusCode).toBe(404);
  });

  it('a region and the fleet are held to the fleet target; UNKNOWN uses no budget', async () => {
    const us = await get('/v1/regions/us/uptime?month=2026-11');
    expect(us).toMatchObject({ level: 'region', thresholdPct: 99.5, ratio: 1, downSeconds: 0, unknownSeconds: 3600 });
    expect(us.untrackedSeconds).toBe(4 * 86400);
    const fleet = await get('/v1/fleet/uptime?from=2026-11-01T00:00:00Z&to=2026-11-11T00:00:00Z');
    expect(fleet).toMatchObject({ level: 'fleet', nodeCount: 3, thresholdPct: 99.5, downSeconds: 5400 });
    expect(fleet.nodes).toHaveLength(3);
  });

  it('the aggregate SQL agrees with the pure path, node by node', async () => {
    const from = NOV - D;
    const to = clock.now;
    const defs = await loadMaintenance(c.database.sql, from, to);
    const totals = await totalsByNode(c.database.sql, { from, to, now: clock.now, maintenance: defs });
    for (const n of await listSlaNodes(c.database.sql)) {
      const { summary } = await nodeUptime(c.database.sql, n.id, from, to, clock.now, spansForNode(defs, n, from, to));
      const t = totals.get(n.id)!;
      expect([t.upMs, t.downMs, t.unknownMs, t.maintenanceMs]).toEqual([
        summary.upMs,
        summary.downMs,
        summary.unknownMs,
        summary.maintenanceMs,
      ]);
    }
  });

  it('operators are plain records with a tier', async () => {
    const ops = await get('/v1/operators');
    expect(ops).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'alice', tier: 'senior', thresholdPct: 99.7, nodeCount: 2 }),
        expect.objectContaining({ name: 'bob', tier: 'certified', thresholdPct: 99.5 }),
      ]),
    );
    const bad = await c.app.inject({ method: 'PUT', url: '/v1/admin/operators/bob', headers: ADMIN, payload: { tier: 'emperor' } });
    expect(bad.statusCode).toBe(400);
  });

  it('alerting silences exactly the nodes (and operators) inside a window right now', async () => {
    const sunday = Date.UTC(2026, 10, 8, 3);
    expect(await activeMaintenance(c.database.sql, sunday)).toEqual({
      nodes: new Set(['a1', 'a2', 'b1']),
      operators: new Set(['alice', 'bob']),
    });
    expect(await activeMaintenance(c.database.sql, Date.UTC(2026, 10, 3, 11))).toEqual({ nodes: new Set(['a2']), operators: new Set() });
    expect(await activeMaintenance(c.database.sql, Date.UTC(2026, 10, 3, 13))).toEqual({ nodes: new Set(), operators: new Set() });
  });
});
