/**
 * The console's data routes on a real PostgreSQL with the fixture fleet: daily bars (the aggregate SQL
 * path equal to the pure one node by node), the public status page (nothing private, cacheable), the
 * node, operator and fleet pages' data, and who may read what.
 */
import { describe, expect, it } from 'vitest';
import { consoleFixtureTest } from '../../../test/support/console-fixture-test.ts';
import { thresholdsOf } from '../services/sla.ts';
import { PastNodeDays, groupDays, nodeDays, operatorDays } from '../services/uptime-days.ts';
import { DAY_MS } from '../sla/days.ts';
import { listSlaNodes } from '../stores/nodes.ts';

const NOW = Date.UTC(2026, 11, 2, 10, 30);
const fx = consoleFixtureTest('console_routes', NOW);
const { clock, get } = fx;

const ok = async (url: string, token?: string) => {
  const r = await get(url, token);
  expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
  return r.json();
};

describe('daily bars', () => {
  it('a node: 90 UTC days, today last, each day summing to 24 h, with DOWN, UNKNOWN and maintenance', async () => {
    const v = await ok(`/v1/nodes/${fx.f.nodes.a[0]}/uptime/days`, fx.f.tokens.operatorA);
    expect(v).toMatchObject({ level: 'node', key: fx.f.nodes.a[0], tier: 'senior', thresholdPct: 99.7, nodeCount: 1 });
    expect(v.days).toHaveLength(90);
    expect(v.days.at(-1).day).toBe('2026-12-02');
    for (const d of v.days)
      expect(d.upSeconds + d.downSeconds + d.unknownSeconds + d.maintenanceSeconds + d.noDataSeconds).toBeCloseTo(86_400, 3);
    const gapDay = new Date(fx.f.gap.start).toISOString().slice(0, 10);
    expect(v.days.find((d: { day: string }) => d.day === gapDay).unknownSeconds).toBe(25 * 60);
    expect(v.days.some((d: { maintenanceSeconds: number }) => d.maintenanceSeconds === 7200)).toBe(true); // Sundays
    expect(v.days.some((d: { downSeconds: number }) => d.downSeconds > 0)).toBe(true);
    expect(v.days.at(-1).noDataSeconds).toBeCloseTo(86_400 - 10.5 * 3600, 3);
    expect(v.days[0].summary).toMatch(/^\w{3} \d{4}-\d{2}-\d{2}: /);
    expect((await get(`/v1/nodes/${fx.f.nodes.a[0]}/uptime/days?days=0`, fx.f.tokens.operatorA)).statusCode).toBe(400);
    expect((await ok(`/v1/nodes/${fx.f.nodes.a[0]}/uptime/days?days=7`, fx.f.tokens.operatorA)).days).toHaveLength(7);
  });

  it('the aggregate SQL path equals the pure path node by node, and groups sum their nodes', async () => {
    const sql = fx.c.database.sql;
    const thresholds = thresholdsOf(fx.c.config);
    const nodes = await listSlaNodes(sql);
    for (const n of nodes) {
      const pure = await nodeDays(sql, thresholds, n, NOW, 90);
      const agg = await groupDays(sql, thresholds, { level: 'operator', key: null, tier: n.tier, nodes: [n] }, NOW, 90);
      for (let i = 0; i < 90; i++)
        for (const k of ['upMs', 'downMs', 'unknownMs', 'maintenanceMs', 'noDataMs'] as const)
          expect(agg.days[i]![k], `${n.name} ${pure.days[i]!.day} ${k}`).toBeCloseTo(pure.days[i]![k], 0);
    }
    const op = await ok(`/v1/operators/${fx.f.b}/uptime/days`, fx.f.tokens.operatorB);
    expect(op.nodeCount).toBe(6);
    const twoDaysAgo = op.days.at(-3);
    expect(twoDaysAgo.downSeconds).toBeGreaterThanOrEqual(6 * 3 * 3600); // bob's 3 h outage on every node
    expect(twoDaysAgo.meetsThreshold).toBe(false);
    expect(twoDaysAgo.summary).toContain('(node time)');
    // Fleet bars from the per-region cache equal the direct query; regions sum to the fleet.
    const fleet = await ok('/v1/fleet/uptime/days', fx.f.tokens.lead);
    const direct = await groupDays(sql, thresholds, { level: 'fleet', key: null, tier: null, nodes }, NOW, 90);
    expect(fleet.days.map((d: { downSeconds: number }) => d.downSeconds)).toEqual(direct.days.map((d) => d.downMs / 1000));
    expect(fleet.days.map((d: { summary: string }) => d.summary)).toEqual(direct.days.map((d) => d.summary));
    expect(fleet.nodeCount).toBe(24);
    const regions = await Promise.all(fx.f.regions.map((r) => ok(`/v1/regions/${r}/uptime/days`, fx.f.tokens.lead)));
    for (let i = 0; i < 90; i++) expect(regions.reduce((a, r) => a + r.days[i].downSeconds, 0)).toBeCloseTo(fleet.days[i].downSeconds, 3);
  });

  it("an operator's bars with the older days kept (PastNodeDays) equal a whole read: cold, warm, a day later, and with fewer nodes kept than asked", async () => {
    const sql = fx.c.database.sql;
    const thresholds = thresholdsOf(fx.c.config);
    const past = new PastNodeDays();
    const few = new PastNodeDays({ maxNodes: 3 });
    const minus = (v: Awaited<ReturnType<typeof operatorDays>>) => JSON.stringify(v);
    for (const at of [NOW, NOW + 5 * 60_000, NOW + DAY_MS + 3_600_000])
      for (const op of [fx.f.a, fx.f.b])
        for (const days of [90, 7, 4, 3]) {
          const whole = minus(await operatorDays(sql, thresholds, op, at, days, 1000));
          expect(minus(await operatorDays(sql, thresholds, op, at, days, 1000, past)), `${op} ${days} days at ${at}`).toBe(whole);
          expect(minus(await operatorDays(sql, thresholds, op, at, days, 1000, past)), `${op} ${days} days at ${at}, warm`).toBe(whole);
          expect(minus(await operatorDays(sql, thresholds, op, at, days, 1000, few)), `${op} ${days} days at ${at}, 3 kept`).toBe(whole);
        }
    // Every node of both operators was kept once; the small cache only its last three.
    const counts = await Promise.all([fx.f.a, fx.f.b].map((op) => operatorDays(sql, thresholds, op, NOW, 90)));
    expect(past.size).toBe(counts[0]!.nodeCount + counts[1]!.nodeCount);
    expect(few.size).toBe(3);
  });

  it('an operator reads their own bars only; regions and the fleet are staff', async () => {
    expect((await get(`/v1/operators/${fx.f.b}/uptime/days`, fx.f.tokens.operatorA)).statusCode).toBe(404);
    expect((await get(`/v1/nodes/${fx.f.nodes.b[0]}/uptime/days`, fx.f.tokens.operatorA)).statusCode).toBe(404);
    expect((await get('/v1/fleet/uptime/days', fx.f.tokens.operatorA)).statusCode).toBe(403);
    expect((await get('/v1/regions/eu-west/uptime/days', fx.f.tokens.partner)).statusCode).toBe(403);
    expect((await get('/v1/regions/nowhere/uptime/days', fx.f.tokens.lead)).statusCode).toBe(404);
  });
});

describe('the status page', () => {
  it('no sign-in: fleet and regions with bars, public incidents, maintenance, the monitoring gap; nothing private', async () => {
    const r = await get('/v1/status');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['cache-control']).toBe('public, max-age=30');
    const s = r.json();
    expect(s.fleet).toMatchObject({ key: null, nodeCount: 24, thresholdPct: 99.5 });
    expect(s.fleet.states).toEqual({ UP: 21, DOWN: 2, UNKNOWN: 0, MAINTENANCE: 1, untracked: 0 });
    expect(s.fleet.days).toHaveLength(90);
    expect(s.regions.map((g: { key: string }) => g.key)).toEqual([...fx.f.regions].sort());
    expect(s.incidents).toHaveLength(3);
    expect(s.incidents.map((i: { title: string }) => i.title)).toContain('Node outage: 1 node in us-east');
    expect(s.maintenance.map((m: { scope: string; current: boolean }) => [m.scope, m.current])).toEqual(
      expect.arrayContaining([
        ['node', true],
        ['region', false],
        ['fleet', false],
      ]),
    );
    expect(s.maintenance.find((m: { scope: string }) => m.scope === 'region').region).toBe('us-east');
    expect(s.monitoringGaps).toEqual([
      {
        day: new Date(fx.f.gap.start).toISOString().slice(0, 10),
        seconds: 1500,
        spans: [{ start: new Date(fx.f.gap.start).toISOString(), end: new Date(fx.f.gap.end).toISOString() }],
      },
    ]);
    // Nothing private: no operator or node name, no token, no contact, no money.
    for (const name of [...fx.f.operators, ...fx.f.nodes.a, ...fx.f.nodes.b, 'acme', 'tfp_', 'cents', '@'])
      expect(r.body).not.toContain(name);
  });

  it('ETag and 304; the answer is kept 30 s', async () => {
    const first = await get('/v1/status');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get('/v1/status', undefined, { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    clock.advance(10_000);
    const later = await get('/v1/status');
    expect(later.headers.etag).toBe(etag);
    expect(later.headers['cache-control']).toBe('public, max-age=20');
    // Past 30 s: the old answer (max-age 0) while the next is computed behind it, then the new one.
    clock.advance(25_000);
    const stale = await get('/v1/status', undefined, { 'if-none-match': etag });
    expect(stale.statusCode).toBe(304);
    expect(stale.headers['cache-control']).toBe('public, max-age=0');
    for (let i = 0; (await get('/v1/status', undefined, { 'if-none-match': etag })).statusCode === 304; i++)
      if (i > 200) throw new Error('the status page was never refreshed');
      else await new Promise((r) => setTimeout(r, 50));
    clock.now = NOW;
  });
});

describe('node, operator and fleet pages', () => {
  it('node overview: checks, credential expiry (never the secret), agent version, clock skew', async () => {
    const v = await ok(`/v1/nodes/${fx.f.agent.node}/overview`, fx.f.tokens.operatorA);
    expect(v).toMatchObject({ name: fx.f.agent.node, operator: fx.f.a, tier: 'senior', state: 'UP', agentVersion: '1.4.2' });
    expect(typeof v.clockSkewMs).toBe('number');
    expect(v.checks.map((x: { name: string }) => x.name)).toEqual(['gateway', 'root-disk', 'tmux-sessions']);
    expect(v.credential.expiresInDays).toBe(80);
    expect(JSON.stringify(v)).not.toContain(fx.f.agent.token.slice(-12));
    expect((await get(`/v1/nodes/${fx.f.agent.node}/overview`, fx.f.tokens.operatorB)).statusCode).toBe(404);
  });

  it('node series: per-minute rollups, columnar', async () => {
    const v = await ok(`/v1/nodes/${fx.f.agent.node}/series`, fx.f.tokens.operatorA);
    expect(v.stepSeconds).toBe(60);
    expect(v.t.length).toBeGreaterThan(23 * 60);
    expect(v.t.length).toBeLessThanOrEqual(24 * 60);
    for (const k of ['diskPctMax', 'load1Avg', 'memPctAvg', 'agentRssKib', 'agentCpuPct']) expect(v[k]).toHaveLength(v.t.length);
    expect(v.diskPctMax[0]).toBeGreaterThan(80);
    expect(v.agentRssKib[0]).toBeGreaterThanOrEqual(41_000);
    const short = await ok(
      `/v1/nodes/${fx.f.agent.node}/series?from=${new Date(NOW - 2 * 3_600_000).toISOString()}&to=${new Date(NOW - 3_600_000).toISOString()}`,
      fx.f.tokens.operatorA,
    );
    expect(short.t).toHaveLength(60);
    expect(
      (await get(`/v1/nodes/${fx.f.agent.node}/series?from=${new Date(NOW - 40 * DAY_MS).toISOString()}`, fx.f.tokens.lead)).statusCode,
    ).toBe(400);
  });

  it("an operator's nodes with their state now", async () => {
    const v = await ok(`/v1/operators/${fx.f.a}/nodes`, fx.f.tokens.operatorA);
    expect(v).toMatchObject({ operator: fx.f.a, tier: 'senior', thresholdPct: 99.7 });
    expect(v.nodes).toHaveLength(6);
    expect(v.states).toMatchObject({ DOWN: 1, MAINTENANCE: 1, UP: 4 });
    expect((await get(`/v1/operators/${fx.f.a}/nodes`, fx.f.tokens.operatorB)).statusCode).toBe(404);
  });

  it("an operator's incidents and maintenance", async () => {
    const inc = await ok(`/v1/operators/${fx.f.a}/incidents`, fx.f.tokens.operatorA);
    expect(inc.incidents.map((i: { id: string }) => i.id).sort()).toEqual([fx.f.incidents.a, fx.f.incidents.disk].sort());
    const m = await ok(`/v1/operators/${fx.f.a}/maintenance`, fx.f.tokens.operatorA);
    expect(m.windows.map((w: { scope: string }) => w.scope).sort()).toEqual(['fleet', 'node']);
    const node = m.windows.find((w: { scope: string }) => w.scope === 'node');
    expect(node.occurrences).toEqual([expect.objectContaining({ current: true })]);
    expect(node.nodes).toHaveLength(1);
    const fleet = m.windows.find((w: { scope: string }) => w.scope === 'fleet');
    expect(fleet.nodes).toHaveLength(6);
    expect(fleet.occurrences.length).toBeGreaterThan(15);
    expect((await get(`/v1/operators/${fx.f.a}/incidents`, fx.f.tokens.operatorB)).statusCode).toBe(404);
    expect((await get(`/v1/operators/${fx.f.a}/maintenance`, fx.f.tokens.operatorB)).statusCode).toBe(404);
  });

  it('fleet overview: states, regions, SLA and budget, incidents, outbox', async () => {
    const v = await ok('/v1/fleet/overview', fx.f.tokens.lead);
    expect(v.nodeCount).toBe(24);
    expect(v.states).toEqual({ UP: 21, DOWN: 2, UNKNOWN: 0, MAINTENANCE: 1, untracked: 0 });
    expect(v.regions).toHaveLength(4);
    expect(v.sla).toMatchObject({ month: '2026-12', thresholdPct: 99.5 });
    expect(v.sla.budget.allowedDownSeconds).toBeGreaterThan(0);
    // The overview's month is the fleet's month as /v1/fleet/uptime gives it (node by node there, the group only here).
    const month = await ok('/v1/fleet/uptime?month=2026-12', fx.f.tokens.lead);
    expect(month.nodes.length).toBeGreaterThan(0);
    expect(v.sla.ratio).toBe(month.ratio);
    expect(v.sla.projection.ratio).toBe(month.projection.ratio);
    for (const k of ['allowedDownSeconds', 'usedDownSeconds', 'leftSeconds'] as const) expect(v.sla.budget[k], k).toBe(month.budget[k]);
    expect(v.incidents).toEqual({ open: 2, acknowledged: 1, bySeverity: { P2: 2, P3: 1 } });
    expect(v.outbox).toMatchObject({ pending: 1, sent: 2, dead: 1 });
    expect((await get('/v1/fleet/overview', fx.f.tokens.operatorA)).statusCode).toBe(403);
  });
});

// Last: it acknowledges A's incident, which the pages above read as open.
describe('the operator portal: acknowledge', () => {
  it("an operator acknowledges their own incident, recorded as their person; another's, or none, is not found", async () => {
    const ack = (op: string, id: string, token: string) =>
      fx.c.app.inject({ method: 'POST', url: `/v1/operators/${op}/incidents/${id}/ack`, headers: { authorization: `Bearer ${token}` } });
    const other = await ack(fx.f.a, fx.f.incidents.b, fx.f.tokens.operatorA);
    expect(other.statusCode, other.body).toBe(404);
    expect(other.json()).toMatchObject({ code: 'FLEET_NOT_FOUND', message: `no incident ${fx.f.incidents.b} of operator "${fx.f.a}"` });
    const none = await ack(fx.f.a, 'inc-none', fx.f.tokens.operatorA);
    expect(none.json()).toMatchObject({ code: 'FLEET_NOT_FOUND', message: `no incident inc-none of operator "${fx.f.a}"` });
    expect((await ack(fx.f.b, fx.f.incidents.b, fx.f.tokens.operatorA)).statusCode).toBe(404); // not their operator
    const first = await ack(fx.f.a, fx.f.incidents.a, fx.f.tokens.operatorA);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      incident: { id: fx.f.incidents.a, status: 'acknowledged', acknowledgedBy: expect.stringMatching(/^person:\d+$/) },
      changed: true,
    });
    const twice = (await ack(fx.f.a, fx.f.incidents.a, fx.f.tokens.operatorA)).json();
    expect(twice).toMatchObject({
      incident: { status: 'acknowledged', acknowledgedBy: first.json().incident.acknowledgedBy },
      changed: false,
    });
    const bob = (await get(`/v1/incidents/${fx.f.incidents.b}`, fx.f.tokens.lead)).json();
    expect(bob.incident.acknowledgedBy).toBe('lead'); // untouched
  });
});
