/**
 * The alerting input built from a real database: operators' month-end projections feed the
 * sla_at_risk rule, which fires once the projection has stayed below the tier's target for its `for`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import { loadConfig } from '../config.ts';
import { evaluate, loadRulesConfig } from './rules.ts';
import { loadFleetState, outlooksFromSla } from './state.ts';
import type { AlertState } from './types.ts';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2026, 10, 10, 0, 0, 0);
const thresholds = { tiers: { certified: 99.5, senior: 99.7, fleet_lead: 99.9 }, fleetTargetPct: 99.5 };

describe('operator projections in the fleet state', () => {
  const clock = new ManualClock(T0);
  let c: Awaited<ReturnType<typeof testCollector>>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase('outlook');
    drop = db.drop;
    c = await testCollector(db.url, clock, { ingest: { ...loadConfig({}).ingest, rateLimitPerNodePerMin: 100_000, flushDelayMs: 0 } });
    await c.services.observation.open();
    const good = await c.register('steady-1', { operator: 'steady-op' });
    const bad = await c.register('flaky-1', { operator: 'flaky-op' });
    let seq = 1;
    // 60 minutes: steady-1 heartbeats throughout; flaky-1 only for the first 20 minutes.
    for (let t = T0; t < T0 + 60 * MIN; t += 5 * S) {
      clock.now = t;
      await c.services.observation.beat();
      for (const [token, until] of [[good.token, Infinity], [bad.token, T0 + 20 * MIN]] as const) {
        if (t >= until) continue;
        const res = await c.app.inject({ method: 'POST', url: '/v1/reports', headers: { authorization: `Bearer ${token}` }, payload: reportAt([t], { seqStart: seq++, sentAt: t }) });
        expect(res.statusCode).toBe(200);
      }
      if (t % MIN === 0) await c.services.settler.run(t);
    }
    await c.services.settler.run(clock.now);
  }, 120_000);
  afterAll(async () => {
    await c.close();
    await drop();
  });

  it('projects each operator from its nodes and its tier target', async () => {
    const state = await loadFleetState(c.database.sql, clock.now, T0, undefined, outlooksFromSla(c.database.sql, thresholds));
    const byId = Object.fromEntries(state.operators!.map((o) => [o.id, o]));
    expect(byId['steady-op']).toMatchObject({ slaTarget: 0.995, projectedRatio: 1 });
    // flaky-op: about 20 min up and 40 min down so far, projected at that ratio to month end.
    expect(byId['flaky-op']!.slaTarget).toBe(0.995);
    expect(byId['flaky-op']!.projectedRatio).toBeGreaterThan(0.25);
    expect(byId['flaky-op']!.projectedRatio).toBeLessThan(0.4);
  });

  it('the sla_at_risk rule fires for the operator projected to miss, after its `for`, and not for the other', async () => {
    const rules = loadRulesConfig({ rules: [{ id: 'sla_at_risk', forMs: 10 * MIN }] });
    const outlooks = outlooksFromSla(c.database.sql, thresholds);
    let prev: AlertState = {};
    const firing = new Set<string>();
    for (const dt of [0, 5 * MIN, 11 * MIN]) {
      const now = clock.now + dt;
      const state = await loadFleetState(c.database.sql, now, T0, undefined, outlooks);
      const r = evaluate(state, prev, now, rules);
      prev = r.state;
      for (const t of r.transitions) if (t.to === 'firing' && t.alert.ruleId === 'sla_at_risk') firing.add(t.alert.subject.id);
      if (dt < 10 * MIN) expect(firing.size).toBe(0);
    }
    expect([...firing]).toEqual(['flaky-op']);
  });
});
