/**
 * The alerting input built from a real database: operators' month-end projections feed the
 * sla_at_risk rule, which fires once the projection has stayed below the tier's target for its `for`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import { loadConfig } from '../config.ts';
import { DEFAULT_RULES_CONFIG, fleetInterest, loadRulesConfig } from './rules/load.ts';
import { evaluate } from './rules/state-machine.ts';
import { ALL_CHECKS, loadFleetState, outlooksFromSla } from './fleet-state.ts';
import type { CheckResult } from '@timmy/shared';
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
    const db = await createTestDatabase('outlook', { migrated: true });
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
      for (const [token, until] of [
        [good.token, Infinity],
        [bad.token, T0 + 20 * MIN],
      ] as const) {
        if (t >= until) continue;
        const res = await c.app.inject({
          method: 'POST',
          url: '/v1/reports',
          headers: { authorization: `Bearer ${token}` },
          payload: reportAt([t], { seqStart: seq++, sentAt: t }),
        });
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

describe('what the alert cycle reads of the checks', () => {
  const clock = new ManualClock(T0);
  let c: Awaited<ReturnType<typeof testCollector>>;
  let drop: () => Promise<void>;
  const check = (name: string, probe: string, status: CheckResult['status'], usedPct?: number): CheckResult => ({
    name,
    probe,
    status,
    message: `${name} ${status}`,
    slaCritical: name === 'gateway',
    ...(usedPct === undefined ? {} : { values: { usedPct } }),
  });
  const fleet: Record<string, CheckResult[]> = {
    'all-ok': [check('gateway', 'systemd', 'ok'), check('disk:/', 'disk', 'ok', 50)],
    'tmux-warn': [check('gateway', 'systemd', 'ok'), check('tmux', 'tmux', 'warn'), check('disk:/', 'disk', 'warn', 86)],
    // The root filesystem's figure counts even when another disk is fuller.
    'gateway-down': [
      check('gateway', 'systemd', 'critical'),
      check('disk:/', 'disk', 'ok', 40),
      check('disk:/data', 'disk', 'critical', 95),
    ],
    // No root filesystem: the fullest disk counts.
    'data-only': [check('gateway', 'systemd', 'ok'), check('disk:/var', 'disk', 'ok', 70), check('disk:/data', 'disk', 'critical', 92)],
    'cron-unknown': [check('gateway', 'systemd', 'ok'), check('cron', 'cron', 'unknown')],
  };

  beforeAll(async () => {
    const db = await createTestDatabase('interest', { migrated: true });
    drop = db.drop;
    c = await testCollector(db.url, clock, { ingest: { ...loadConfig({}).ingest, flushDelayMs: 0 } });
    for (const [name, checks] of Object.entries(fleet)) {
      const { token } = await c.register(name);
      const report = reportAt([T0], { sentAt: T0 });
      report.samples[0]!.checks = checks;
      const res = await c.app.inject({
        method: 'POST',
        url: '/v1/reports',
        headers: { authorization: `Bearer ${token}` },
        payload: report,
      });
      expect(res.statusCode).toBe(200);
    }
  }, 60_000);
  afterAll(async () => {
    await c.close();
    await drop();
  });

  it('reads only the checks and disk figures the rules can fire on', async () => {
    const interest = fleetInterest(DEFAULT_RULES_CONFIG);
    expect(interest).toEqual({ checkStatuses: ['critical', 'warn'], diskMinPct: 85, regions: true });
    const state = await loadFleetState(c.database.sql, T0, T0, undefined, undefined, interest);
    const byName = Object.fromEntries(state.nodes.map((n) => [n.id, n]));
    expect(Object.keys(byName).sort()).toEqual(Object.keys(fleet).sort());
    expect(Object.fromEntries(state.nodes.map((n) => [n.id, Object.keys(n.checks).sort()]))).toEqual({
      'all-ok': [],
      'tmux-warn': ['disk:/', 'tmux'],
      'gateway-down': ['disk:/data', 'gateway'],
      'data-only': ['disk:/data'],
      'cron-unknown': [],
    });
    expect(byName['gateway-down']!.checks.gateway).toEqual({
      status: 'critical',
      since: T0,
      probe: 'systemd',
      slaCritical: true,
      message: 'gateway critical',
    });
    expect(Object.fromEntries(state.nodes.map((n) => [n.id, n.diskUsedPct]))).toEqual({
      'all-ok': null,
      'tmux-warn': 86,
      'gateway-down': null,
      'data-only': 92,
      'cron-unknown': null,
    });

    const all = await loadFleetState(c.database.sql, T0, T0, undefined, undefined, ALL_CHECKS);
    expect(Object.fromEntries(all.nodes.map((n) => [n.id, n.diskUsedPct]))).toEqual({
      'all-ok': 50,
      'tmux-warn': 86,
      'gateway-down': 40,
      'data-only': 92,
      'cron-unknown': null,
    });
    expect(Object.keys(all.nodes.find((n) => n.id === 'cron-unknown')!.checks).sort()).toEqual(['cron', 'gateway']);
  });

  it('gives the rules the same alerts as reading every check, cycle after cycle', async () => {
    const interest = fleetInterest(DEFAULT_RULES_CONFIG);
    let prevAll = {};
    let prevSome = {};
    const fired: string[] = [];
    for (const dt of [0, 6 * MIN, 12 * MIN]) {
      const now = T0 + dt;
      const a = evaluate(await loadFleetState(c.database.sql, now, T0, undefined, undefined, ALL_CHECKS), prevAll, now);
      const b = evaluate(await loadFleetState(c.database.sql, now, T0, undefined, undefined, interest), prevSome, now);
      expect(b).toEqual(a);
      prevAll = a.state;
      prevSome = b.state;
      fired.push(...a.transitions.filter((t) => t.to === 'firing').map((t) => t.key));
    }
    // Every node has been silent since T0: offline everywhere, besides what its checks and disks say.
    expect(fired.sort()).toEqual(
      [
        'disk_critical:node:data-only',
        'disk_warning:node:data-only',
        'disk_warning:node:tmux-warn',
        ...Object.keys(fleet).map((n) => `node_offline:node:${n}`),
        'sla_check_failing:node:gateway-down',
        'tmux_session_missing:node:tmux-warn',
      ].sort(),
    );
  });
});

describe('registered nodes that never reported', () => {
  it('are in the fleet state with no heartbeat, and no rule fires for them however long they stay silent', async () => {
    const db = await createTestDatabase('never_reported', { migrated: true });
    const clock = new ManualClock(T0);
    const c = await testCollector(db.url, clock);
    try {
      for (const name of ['new-1', 'new-2', 'new-3']) await c.register(name, { operator: 'fresh-op', region: 'eu' });
      let prev: AlertState = {};
      const fired: string[] = [];
      for (let t = T0 + MIN; t <= T0 + 30 * MIN; t += MIN) {
        const state = await loadFleetState(c.database.sql, t, T0 - 3600 * S);
        expect(state.nodes.map((n) => [n.id, n.lastHeartbeatAt])).toEqual([
          ['new-1', null],
          ['new-2', null],
          ['new-3', null],
        ]);
        const r = evaluate(state, prev, t, DEFAULT_RULES_CONFIG);
        prev = r.state;
        fired.push(...r.transitions.map((x) => `${x.key}:${x.to}`));
      }
      expect(fired).toEqual([]);
    } finally {
      await c.close();
      await db.drop();
    }
  }, 60_000);
});
