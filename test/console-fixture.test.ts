/** The console fixture seeds a small fleet that the API reads back as described (tokens, roles, a closed month). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/pg.ts';
import { ManualClock, testCollector } from './support/harness.ts';
import { seedConsoleFixture, type ConsoleFixture } from './support/console-fixture.ts';

const NOW = Date.UTC(2026, 11, 2, 10, 30);
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
let f: ConsoleFixture;
const clock = new ManualClock(NOW);

beforeAll(async () => {
  db = await createTestDatabase('console_fixture');
  c = await testCollector(db.url, clock, { anonymousRead: false });
  f = await seedConsoleFixture(c.database.sql, { nodes: 24, operators: 4, now: NOW });
});
afterAll(async () => {
  await c?.close();
  await db?.drop();
});

const get = (url: string, token: string) => c.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

describe('seedConsoleFixture', () => {
  it('seeds operators, nodes, a closed month, incidents and a token per role', async () => {
    expect(f.operators).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(f.closedMonth).toBe('2026-11');
    expect(f.statements).toBeGreaterThanOrEqual(4);
    expect(f.nodes.down).toEqual(expect.arrayContaining(['alice-002', 'bob-002']));
    const me = await get('/v1/me', f.tokens.operatorA);
    expect(me.statusCode, me.body).toBe(200);
    expect((await get('/v1/nodes', f.tokens.lead)).json()).toHaveLength(24);
    expect((await get('/v1/nodes', f.tokens.operatorA)).json()).toHaveLength(6); // their own only
    expect((await get(`/v1/nodes/${f.nodes.a[0]}`, f.tokens.operatorA)).statusCode).toBe(200);
    expect((await get(`/v1/nodes/${f.nodes.b[0]}`, f.tokens.operatorA)).statusCode).toBe(404);
    const st = await get(`/v1/operators/${f.a}/statements/${f.closedMonth}`, f.tokens.operatorA);
    expect(st.statusCode, st.body).toBe(200);
    expect((await get(`/v1/months/${f.closedMonth}/statements`, f.tokens.finance)).statusCode).toBe(200);
    expect((await get(`/v1/partners/${f.partner}`, f.tokens.partner)).statusCode).toBe(200);
    const open = (await get('/v1/incidents?status=unresolved', f.tokens.lead)).json().incidents;
    expect(open.map((i: { id: string }) => i.id).sort()).toEqual(Object.values(f.incidents).sort());
  });

  it('has 90 days of intervals with DOWN, UNKNOWN and maintenance, and B below A', async () => {
    const a = (await get(`/v1/operators/${f.a}/uptime?window=90d`, f.tokens.lead)).json();
    const b = (await get(`/v1/operators/${f.b}/uptime?window=90d`, f.tokens.lead)).json();
    expect(a.downSeconds).toBeGreaterThan(0);
    expect(a.unknownSeconds).toBeGreaterThan(0);
    expect(a.maintenanceSeconds).toBeGreaterThan(0);
    expect(b.ratio).toBeLessThan(a.ratio);
    const u = (await get(`/v1/nodes/${f.agent.node}/uptime?window=90d&intervals=true`, f.tokens.operatorA)).json();
    expect(u.untrackedSeconds).toBe(0);
  });
});
