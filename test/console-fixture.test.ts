/** The console fixture seeds a small fleet that the API reads back as described (tokens, roles, a closed month). */
import { describe, expect, it } from 'vitest';
import { consoleFixtureTest } from './support/console-fixture-test.ts';

const NOW = Date.UTC(2026, 11, 2, 10, 30);
const fx = consoleFixtureTest('console_fixture', NOW);
const { get } = fx;

describe('seedConsoleFixture', () => {
  it('seeds operators, nodes, a closed month, incidents and a token per role', async () => {
    expect(fx.f.operators).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(fx.f.closedMonth).toBe('2026-11');
    expect(fx.f.statements).toBeGreaterThanOrEqual(4);
    expect(fx.f.nodes.down).toEqual(expect.arrayContaining(['alice-002', 'bob-002']));
    const me = await get('/v1/me', fx.f.tokens.operatorA);
    expect(me.statusCode, me.body).toBe(200);
    expect((await get('/v1/nodes', fx.f.tokens.lead)).json()).toHaveLength(24);
    expect((await get('/v1/nodes', fx.f.tokens.operatorA)).json()).toHaveLength(6); // their own only
    expect((await get(`/v1/nodes/${fx.f.nodes.a[0]}`, fx.f.tokens.operatorA)).statusCode).toBe(200);
    expect((await get(`/v1/nodes/${fx.f.nodes.b[0]}`, fx.f.tokens.operatorA)).statusCode).toBe(404);
    const st = await get(`/v1/operators/${fx.f.a}/statements/${fx.f.closedMonth}`, fx.f.tokens.operatorA);
    expect(st.statusCode, st.body).toBe(200);
    expect((await get(`/v1/months/${fx.f.closedMonth}/statements`, fx.f.tokens.finance)).statusCode).toBe(200);
    expect((await get(`/v1/partners/${fx.f.partner}`, fx.f.tokens.partner)).statusCode).toBe(200);
    const open = (await get('/v1/incidents?status=unresolved', fx.f.tokens.lead)).json().incidents;
    expect(open.map((i: { id: string }) => i.id).sort()).toEqual(Object.values(fx.f.incidents).sort());
  });

  it('has 90 days of intervals with DOWN, UNKNOWN and maintenance, and B below A', async () => {
    const a = (await get(`/v1/operators/${fx.f.a}/uptime?window=90d`, fx.f.tokens.lead)).json();
    const b = (await get(`/v1/operators/${fx.f.b}/uptime?window=90d`, fx.f.tokens.lead)).json();
    expect(a.downSeconds).toBeGreaterThan(0);
    expect(a.unknownSeconds).toBeGreaterThan(0);
    expect(a.maintenanceSeconds).toBeGreaterThan(0);
    expect(b.ratio).toBeLessThan(a.ratio);
    const u = (await get(`/v1/nodes/${fx.f.agent.node}/uptime?window=90d&intervals=true`, fx.f.tokens.operatorA)).json();
    expect(u.untrackedSeconds).toBe(0);
  });
});
