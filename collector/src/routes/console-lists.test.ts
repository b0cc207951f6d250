/**
 * The console's list reads on a real PostgreSQL with the fixture fleet: nodes by their state now with a
 * limit and a total (`GET /v1/nodes?state=&limit=`, the fleet page), the state filter agreeing with the
 * state the unfiltered list shows (stateNow: maintenance by node, operator, region and fleet windows),
 * and every bar of an operator's nodes in one read (`GET /v1/operators/:op/nodes/uptime/days`, the
 * operator page) equal to the per-node read; an operator's bar from its nodes' pure totals equal to the
 * aggregate SQL path, and its uptime figures too.
 */
import { daySummary, type NodeDailyUptime } from '@timmy/shared';
import { describe, expect, it } from 'vitest';
import { consoleFixtureTest } from '../../../test/support/console-fixture-test.ts';
import { thresholdsOf } from '../services/sla.ts';
import { groupDays } from '../services/uptime-days.ts';
import { totalsByNode } from '../stores/intervals.ts';
import { loadMaintenance } from '../stores/maintenance.ts';
import { listSlaNodes } from '../stores/nodes.ts';
import { resolveOperator } from '../stores/operators.ts';
import { STATE_FILTERS } from './nodes.ts';

const NOW = Date.UTC(2026, 11, 2, 10, 30); // a Wednesday
const HOUR = 3_600_000;
const fx = consoleFixtureTest('console_lists', NOW);
const { clock, get } = fx;

type Row = { name: string; state: string | null };
const list = async (url: string, token: string) => {
  const r = await get(url, token);
  expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
  return { names: (r.json() as Row[]).map((n) => n.name), rows: r.json() as Row[], total: Number(r.headers['x-total-count']) };
};

describe('GET /v1/nodes?state=&limit=', () => {
  /** Each state's list holds exactly the nodes the unfiltered list shows in that state, by name, with the total. */
  async function agrees(token: string, query = '') {
    const all = await list(`/v1/nodes${query ? `?${query}` : ''}`, token);
    expect(all.total).toBe(all.names.length);
    let listed = 0;
    for (const s of STATE_FILTERS) {
      const want = all.rows.filter((n) => n.state === (s === 'untracked' ? null : s)).map((n) => n.name);
      const got = await list(`/v1/nodes?state=${s}${query ? `&${query}` : ''}`, token);
      expect(got.names, `${s} at ${new Date(clock.now).toISOString()}`).toEqual(want);
      expect(got.total, s).toBe(want.length);
      expect(got.rows.every((n) => n.state === (s === 'untracked' ? null : s))).toBe(true);
      listed += got.total;
    }
    expect(listed).toBe(all.names.length); // no node decommissioned in the fixture: every node is in one state
    return all;
  }

  it('the state filter agrees with the state every node shows now, maintenance of every scope applied', async () => {
    try {
      const now = await agrees(fx.f.tokens.lead);
      // Alice's node in maintenance now; the DOWN nodes of the fixture.
      expect((await list('/v1/nodes?state=MAINTENANCE', fx.f.tokens.lead)).names).toHaveLength(1);
      expect((await list('/v1/nodes?state=DOWN', fx.f.tokens.lead)).names).toEqual(
        expect.arrayContaining([fx.f.nodes.a[1], fx.f.nodes.b[1]]),
      );
      expect(now.rows.some((n) => n.state === 'UP')).toBe(true);
      // A region window (us-east, tomorrow 03:00-05:00).
      clock.now = Math.floor(NOW / 86_400_000) * 86_400_000 + 86_400_000 + 3.5 * HOUR;
      const region = await agrees(fx.f.tokens.lead);
      expect(region.rows.filter((n) => n.state === 'MAINTENANCE').length).toBeGreaterThan(1);
      // The weekly fleet window (Sunday 02:00-04:00): every node with a state is in maintenance.
      clock.now = Date.UTC(2026, 11, 6, 3);
      const fleet = await agrees(fx.f.tokens.lead);
      expect(fleet.rows.every((n) => n.state === 'MAINTENANCE')).toBe(true);
      // An operator window (bob's, now): by operator, and as bob's operator sees it.
      clock.now = NOW;
      const [bob] = await fx.c.database.sql<{ id: string }[]>`select id from operators where name = ${fx.f.b}`;
      await fx.c.database.sql`insert into maintenance_windows (scope, target, starts_at, ends_at, declared_by, reason, created_at)
        values ('operator', ${bob!.id}, ${new Date(NOW - HOUR)}, ${new Date(NOW + HOUR)}, 'lead', 'test', ${new Date(NOW - 2 * HOUR)})`;
      const op = await agrees(fx.f.tokens.lead);
      expect(op.rows.filter((n) => n.state === 'MAINTENANCE').map((n) => n.name)).toEqual(expect.arrayContaining(fx.f.nodes.b));
      await agrees(fx.f.tokens.operatorB);
      await agrees(fx.f.tokens.lead, `operator=${fx.f.b}`);
    } finally {
      clock.now = NOW;
      await fx.c.database.sql`delete from maintenance_windows where reason = 'test'`;
    }
  });

  it('a limit gives the first nodes by name and the total of all that match (x-total-count)', async () => {
    const up = await list('/v1/nodes?state=UP', fx.f.tokens.lead);
    expect(up.total).toBeGreaterThan(3);
    const first = await list('/v1/nodes?state=UP&limit=3', fx.f.tokens.lead);
    expect(first).toMatchObject({ names: up.names.slice(0, 3), total: up.total });
    const plain = await list('/v1/nodes?limit=2', fx.f.tokens.lead);
    expect(plain.names).toHaveLength(2);
    expect(plain.total).toBe(24);
    expect((await list('/v1/nodes?state=untracked&limit=5', fx.f.tokens.lead)).total).toBe(0);
  });

  it("an operator lists their own nodes only, whatever they ask: another's or none gives 0", async () => {
    const own = await list('/v1/nodes?state=UP', fx.f.tokens.operatorA);
    expect(own.names.length).toBeGreaterThan(0);
    expect(own.names.every((n) => n.startsWith(`${fx.f.a}-`))).toBe(true);
    expect(await list(`/v1/nodes?state=DOWN&operator=${fx.f.b}`, fx.f.tokens.operatorA)).toEqual({ names: [], rows: [], total: 0 });
    expect((await list(`/v1/nodes?state=DOWN&operator=${fx.f.b}`, fx.f.tokens.lead)).names).toContain(fx.f.nodes.b[1]);
  });

  it('an unknown state or a bad limit: 400 FLEET_BAD_REQUEST naming what is allowed', async () => {
    for (const [q, msg] of [
      ['state=down', /unknown state "down": state is one of UP, DOWN, UNKNOWN, MAINTENANCE, untracked/],
      ['state=', /unknown state ""/],
      ['limit=0', /limit must be a whole number from 1 to 10000/],
      ['limit=10001', /limit must be/],
      ['limit=2.5', /limit must be/],
      ['limit=abc', /limit must be/],
      ['state=UP&limit=-1', /limit must be/],
    ] as const) {
      const r = await get(`/v1/nodes?${q}`, fx.f.tokens.lead);
      expect([r.statusCode, r.json().code], `${q}: ${r.body}`).toEqual([400, 'FLEET_BAD_REQUEST']);
      expect(r.json().message, q).toMatch(msg);
    }
  });
});

describe("GET /v1/operators/:op/nodes/uptime/days: every node's bars in one read", () => {
  it('equal, node by node, to the per-node bars; by name; a limit keeps the first', async () => {
    const all = await fx.c.app.inject({
      method: 'GET',
      url: `/v1/operators/${fx.f.a}/nodes/uptime/days`,
      headers: { authorization: `Bearer ${fx.f.tokens.operatorA}` },
    });
    expect(all.statusCode, all.body).toBe(200);
    const body = all.json() as { operator: string; nodeCount: number; nodes: Array<{ key: string; days: unknown[] }> };
    const names = (await list(`/v1/nodes?operator=${fx.f.a}`, fx.f.tokens.lead)).names;
    expect(body).toMatchObject({ operator: fx.f.a, nodeCount: names.length });
    expect(body.nodes.map((n) => n.key)).toEqual(names);
    // The days come without their sentence; daySummary (what the console writes) gives the per-node route's.
    const worded = (n: NodeDailyUptime) => ({ ...n, days: n.days.map((d) => ({ ...d, summary: daySummary(d, n.thresholdPct) })) });
    for (const n of body.nodes as unknown as NodeDailyUptime[]) {
      expect(n.days.some((d) => 'summary' in d)).toBe(false);
      const one = await get(`/v1/nodes/${n.key}/uptime/days`, fx.f.tokens.operatorA);
      expect(worded(n), n.key ?? '').toEqual(one.json());
    }
    // The operator's own bar with them, as its own route answers it.
    expect((body as unknown as { group: unknown }).group).toEqual(
      (await get(`/v1/operators/${fx.f.a}/uptime/days`, fx.f.tokens.operatorA)).json(),
    );
    const two = (await get(`/v1/operators/${fx.f.a}/nodes/uptime/days?days=7&limit=2`, fx.f.tokens.lead)).json();
    expect(two.nodeCount).toBe(names.length);
    expect(two.nodes.map((n: { key: string }) => n.key)).toEqual(names.slice(0, 2));
    expect(two.nodes[0].days).toHaveLength(7);
    expect(worded(two.nodes[0])).toEqual((await get(`/v1/nodes/${names[0]}/uptime/days?days=7`, fx.f.tokens.lead)).json());
    expect(two.group).toEqual((await get(`/v1/operators/${fx.f.a}/uptime/days?days=7`, fx.f.tokens.lead)).json());
  });

  it("an operator's bar (its nodes' pure day totals summed) equals the aggregate SQL path", async () => {
    const sql = fx.c.database.sql;
    for (const [name, token] of [
      [fx.f.a, fx.f.tokens.operatorA],
      [fx.f.b, fx.f.tokens.operatorB],
    ] as const) {
      const op = await resolveOperator(sql, name);
      const nodes = await listSlaNodes(sql, { operatorId: op.id, inServiceAfter: NOW - 90 * 86_400_000 });
      const direct = await groupDays(sql, thresholdsOf(fx.c.config), { level: 'operator', key: op.name, tier: op.tier, nodes }, NOW, 90);
      const route = (await get(`/v1/operators/${name}/uptime/days`, token)).json();
      expect(route).toMatchObject({ level: 'operator', key: name, nodeCount: nodes.length, thresholdPct: direct.thresholdPct });
      direct.days.forEach((d, i) => {
        const r = route.days[i];
        for (const k of ['up', 'down', 'unknown', 'maintenance', 'noData'] as const)
          expect(r[`${k}Seconds`], `${name} ${d.day} ${k}`).toBeCloseTo(d[`${k}Ms`] / 1000, 2);
        expect(r.summary).toBe(d.summary);
      });
    }
  });

  it("an operator's uptime figures (a small group: its nodes' intervals through the pure core) equal the aggregate totals node by node", async () => {
    const sql = fx.c.database.sql;
    for (const [name, token] of [
      [fx.f.a, fx.f.tokens.operatorA],
      [fx.f.b, fx.f.tokens.operatorB],
    ] as const)
      for (const [q, from, to] of [
        ['month=2026-12', Date.UTC(2026, 11, 1), Date.UTC(2027, 0, 1)],
        ['month=2026-11', Date.UTC(2026, 10, 1), Date.UTC(2026, 11, 1)],
        ['window=30d', NOW - 30 * 86_400_000, NOW],
      ] as const) {
        const route = (await get(`/v1/operators/${name}/uptime?${q}`, token)).json();
        const op = await resolveOperator(sql, name);
        const nodes = await listSlaNodes(sql, { operatorId: op.id });
        const maintenance = await loadMaintenance(sql, from - 31 * 86_400_000, to);
        const sums = await totalsByNode(sql, { from, to, now: NOW, maintenance, nodeIds: nodes.map((n) => n.id) });
        expect(route.nodes).toHaveLength(nodes.length);
        for (const row of route.nodes as Array<Record<string, number> & { node: string }>) {
          const t = sums.get(nodes.find((n) => n.name === row.node)!.id)!;
          for (const k of ['up', 'down', 'unknown', 'maintenance'] as const)
            expect(row[`${k}Seconds`], `${name} ${q} ${row.node} ${k}`).toBeCloseTo(t[`${k}Ms`] / 1000, 2);
        }
      }
  });

  it("another operator's is not found; bad days or limit: 400 FLEET_BAD_REQUEST", async () => {
    const theirs = await get(`/v1/operators/${fx.f.b}/nodes/uptime/days`, fx.f.tokens.operatorA);
    expect([theirs.statusCode, theirs.json().code]).toEqual([404, 'FLEET_NOT_FOUND']);
    for (const q of ['days=0', 'days=401', 'limit=0', 'limit=1001', 'limit=x', 'other=1']) {
      const r = await get(`/v1/operators/${fx.f.a}/nodes/uptime/days?${q}`, fx.f.tokens.operatorA);
      expect([r.statusCode, r.json().code], `${q}: ${r.body}`).toEqual([400, 'FLEET_BAD_REQUEST']);
    }
  });
});
