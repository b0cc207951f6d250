import { describe, expect, it } from 'vitest';
import { AlertConfigError } from './errors.ts';
import { DEFAULT_RULES_CONFIG, fleetInterest, loadRulesConfig, type RulesConfig } from './rules/load.ts';
import { DEFAULT_RULES } from './rules/registry.ts';
import { alertKey, evaluate } from './rules/state-machine.ts';
import type { AlertState, AlertTransition, FleetState, NodeState } from './types.ts';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);

function node(over: Partial<NodeState> = {}): NodeState {
  return {
    id: 'n1',
    operatorId: 'op1',
    region: 'eu',
    lastHeartbeatAt: T0,
    checks: { gateway: { status: 'ok', since: T0 - 3600 * S, probe: 'systemd', slaCritical: true } },
    diskUsedPct: 40,
    clockSkewMs: 0,
    credentialExpiresAt: T0 + 60 * 86_400_000,
    ...over,
  };
}

function fleet(nodes: NodeState[], over: Partial<FleetState> = {}): FleetState {
  return { observingSince: T0 - 86_400_000, nodes, ...over };
}

/** Run evaluate at each step's time; return every transition as `key@offset:to`. */
function run(steps: Array<{ t: number; state: FleetState }>, config: RulesConfig = DEFAULT_RULES_CONFIG) {
  let prev: AlertState = {};
  const all: AlertTransition[] = [];
  for (const s of steps) {
    const r = evaluate(s.state, prev, s.t, config);
    prev = r.state;
    all.push(...r.transitions);
  }
  return {
    state: prev,
    transitions: all,
    labels: all.filter((x) => x.to !== 'pending').map((x) => `${x.alert.ruleId}:${x.to}@${(x.at - T0) / S}s`),
  };
}

/** A node that last heartbeated at `lastHb`, evaluated every 30 s from T0 to T0+`until`. */
function offlineTimeline(lastHb: number, until: number, over: Partial<FleetState> = {}, nodeOver: Partial<NodeState> = {}) {
  const steps = [];
  for (let t = T0; t <= T0 + until; t += 30 * S) steps.push({ t, state: fleet([node({ lastHeartbeatAt: lastHb, ...nodeOver })], over) });
  return steps;
}

describe('node offline', () => {
  it.each([
    {
      name: 'fires after 5 min of silence, counted from the last heartbeat',
      lastHb: T0,
      until: 7 * MIN,
      over: {},
      want: ['node_offline:firing@300s'],
    },
    { name: 'silence shorter than 5 min never fires', lastHb: T0, until: 4.5 * MIN, over: {}, want: [] },
    {
      name: 'collector just came back: silence before observingSince is UNKNOWN, not counted',
      lastHb: T0 - 60 * MIN,
      until: 6 * MIN,
      over: { observingSince: T0 },
      want: ['node_offline:firing@300s'],
    },
    {
      name: 'restart grace longer than `for` delays the page',
      lastHb: T0 - 60 * MIN,
      until: 10 * MIN,
      over: { observingSince: T0 - 6 * MIN },
      // held since T0-6min (>= 5 min at T0) but grace of 2 min after observingSince already passed -> fires at once
      want: ['node_offline:firing@0s'],
    },
    {
      name: 'node in maintenance is silenced',
      lastHb: T0,
      until: 20 * MIN,
      over: {},
      nodeOver: { inMaintenance: true },
      want: [],
    },
  ])('$name', ({ lastHb, until, over, nodeOver, want }) => {
    expect(run(offlineTimeline(lastHb, until, over, nodeOver)).labels).toEqual(want);
  });

  it('a registered node that never reported is untracked: no offline alert, however long ago it was registered', () => {
    const never = node({
      id: 'fresh',
      lastHeartbeatAt: null,
      registeredAt: T0 - 3600 * S,
      checks: {},
      diskUsedPct: null,
      clockSkewMs: null,
    });
    const steps = [];
    for (let t = T0; t <= T0 + 20 * MIN; t += 30 * S) steps.push({ t, state: fleet([never, node({ lastHeartbeatAt: t })]) });
    const r = run(steps);
    expect(r.transitions).toEqual([]);
    expect(r.state).toEqual({});
  });

  it('restart grace applies even when the node was silent long before (collector outage)', () => {
    const cfg = loadRulesConfig({ restartGraceMs: 10 * MIN });
    // observing since T0; node silent since long before: `for` is met at T0+5min, grace only at T0+10min
    const r = run(offlineTimeline(T0 - 3600 * S, 12 * MIN, { observingSince: T0 }), cfg);
    expect(r.labels).toEqual(['node_offline:firing@600s']);
  });

  it('a node that comes back within the grace after a collector restart never pages', () => {
    const steps = [];
    for (let t = T0; t <= T0 + 3 * MIN; t += 30 * S)
      steps.push({ t, state: fleet([node({ lastHeartbeatAt: T0 - 3600 * S })], { observingSince: T0 }) });
    for (let t = T0 + 3.5 * MIN; t <= T0 + 20 * MIN; t += 30 * S)
      steps.push({ t, state: fleet([node({ lastHeartbeatAt: t })], { observingSince: T0 }) });
    expect(run(steps).labels).toEqual([]);
  });

  it('resolves after the cool-down, and a return within the cool-down keeps it firing', () => {
    const steps = [];
    // offline from T0 for 10 min -> fires at 5 min
    for (let t = T0; t <= T0 + 10 * MIN; t += 30 * S) steps.push({ t, state: fleet([node({ lastHeartbeatAt: T0 })]) });
    // back for 30 s (less than the 1 min cool-down), then offline again for 2 min
    steps.push({ t: T0 + 10.5 * MIN, state: fleet([node({ lastHeartbeatAt: T0 + 10.5 * MIN })]) });
    for (let t = T0 + 11 * MIN; t <= T0 + 13 * MIN; t += 30 * S)
      steps.push({ t, state: fleet([node({ lastHeartbeatAt: T0 + 10.5 * MIN })]) });
    // back for good
    for (let t = T0 + 13.5 * MIN; t <= T0 + 16 * MIN; t += 30 * S) steps.push({ t, state: fleet([node({ lastHeartbeatAt: t })]) });
    const r = run(steps);
    expect(r.labels).toEqual(['node_offline:firing@300s', 'node_offline:resolved@870s']);
    // the resolved notification still says what it was about
    expect(r.transitions.at(-1)!.alert.summary).toMatch(/^node n1 offline: no heartbeat since/);
  });

  it('a flapping node produces one notification that says it is flapping, then resolves once stable', () => {
    const steps = [];
    // 2 min down / 1 min up, repeatedly: never reaches the 5-min `for`, but flaps.
    let t = T0;
    let lastHb = T0;
    for (let cycle = 0; cycle < 6; cycle++) {
      for (let i = 0; i < 4; i++, t += 30 * S) steps.push({ t, state: fleet([node({ lastHeartbeatAt: lastHb })]) });
      for (let i = 0; i < 2; i++, t += 30 * S) {
        lastHb = t;
        steps.push({ t, state: fleet([node({ lastHeartbeatAt: t })]) });
      }
    }
    // stable for 40 min
    for (let end = t + 40 * MIN; t <= end; t += 30 * S) steps.push({ t, state: fleet([node({ lastHeartbeatAt: t })]) });
    const r = run(steps);
    const kinds = r.transitions.filter((x) => x.to !== 'pending').map((x) => x.to);
    expect(kinds).toEqual(['flapping', 'resolved']);
    expect(r.transitions.find((x) => x.to === 'flapping')!.alert.flapping).toBe(true);
    expect(r.state).toEqual({});
  });
});

describe('rule kinds', () => {
  const cases: Array<{ name: string; node: Partial<NodeState>; rule: string; fires: boolean; horizonMin?: number }> = [
    {
      name: 'gateway (SLA-critical) failing',
      node: { checks: { gateway: { status: 'critical', since: T0 - 10 * MIN, probe: 'systemd', slaCritical: true } } },
      rule: 'sla_check_failing',
      fires: true,
    },
    {
      name: 'gateway unknown never fires',
      node: { checks: { gateway: { status: 'unknown', since: T0 - 10 * MIN, probe: 'systemd', slaCritical: true } } },
      rule: 'sla_check_failing',
      fires: false,
    },
    {
      name: 'gateway failing for only 1 min',
      node: { checks: { gateway: { status: 'critical', since: T0 - MIN, slaCritical: true } } },
      rule: 'sla_check_failing',
      fires: false,
      horizonMin: 3,
    },
    {
      name: 'non-critical check failing is not SLA',
      node: { checks: { tmux: { status: 'critical', since: T0 - 10 * MIN, probe: 'tmux' } } },
      rule: 'sla_check_failing',
      fires: false,
    },
    {
      name: 'tmux session missing',
      node: { checks: { tmux: { status: 'warn', since: T0 - 10 * MIN, probe: 'tmux' } } },
      rule: 'tmux_session_missing',
      fires: true,
    },
    {
      name: 'stale cron',
      node: { checks: { 'cron:jobs': { status: 'warn', since: T0 - 20 * MIN, probe: 'cron' } } },
      rule: 'cron_stale',
      fires: true,
    },
    {
      name: 'cron stale for only 10 min',
      node: { checks: { cron: { status: 'warn', since: T0 - 10 * MIN, probe: 'cron' } } },
      rule: 'cron_stale',
      fires: false,
      horizonMin: 4,
    },
    { name: 'disk at 84.9 %', node: { diskUsedPct: 84.9 }, rule: 'disk_warning', fires: false },
    { name: 'disk at 85 % warns', node: { diskUsedPct: 85 }, rule: 'disk_warning', fires: true },
    { name: 'disk at 89 % is not critical', node: { diskUsedPct: 89 }, rule: 'disk_critical', fires: false },
    { name: 'disk at 91 % is critical', node: { diskUsedPct: 91 }, rule: 'disk_critical', fires: true },
    { name: 'disk unknown', node: { diskUsedPct: null }, rule: 'disk_warning', fires: false },
    { name: 'credential expires in 3 days', node: { credentialExpiresAt: T0 + 3 * 86_400_000 }, rule: 'credential_expiring', fires: true },
    {
      name: 'credential expires in 30 days',
      node: { credentialExpiresAt: T0 + 30 * 86_400_000 },
      rule: 'credential_expiring',
      fires: false,
    },
    { name: 'clock skew 61 s', node: { clockSkewMs: 61_000 }, rule: 'clock_skew', fires: true },
    { name: 'clock skew -61 s', node: { clockSkewMs: -61_000 }, rule: 'clock_skew', fires: true },
    { name: 'clock skew 59 s', node: { clockSkewMs: 59_000 }, rule: 'clock_skew', fires: false },
  ];
  it.each(cases)('$name -> $rule fires: $fires', ({ node: over, rule, fires, horizonMin = 30 }) => {
    // Evaluate every minute for `horizonMin` minutes with a constant state; heartbeats stay fresh.
    let prev: AlertState = {};
    const fired: string[] = [];
    for (let t = T0; t <= T0 + horizonMin * MIN; t += MIN) {
      const r = evaluate(fleet([node({ ...over, lastHeartbeatAt: t })]), prev, t);
      prev = r.state;
      fired.push(...r.transitions.filter((x) => x.to === 'firing').map((x) => x.alert.ruleId));
    }
    if (fires) expect(fired).toContain(rule);
    else expect(fired).not.toContain(rule);
  });

  it('a check failing since before the collector restarted counts only from observingSince', () => {
    const st = (t: number) =>
      fleet([node({ lastHeartbeatAt: t, checks: { gateway: { status: 'critical', since: T0 - 3600 * S, slaCritical: true } } })], {
        observingSince: T0,
      });
    const r = run([0, 2, 4, 5, 6].map((m) => ({ t: T0 + m * MIN, state: st(T0 + m * MIN) })));
    expect(r.labels).toEqual(['sla_check_failing:firing@300s']);
  });

  it.each([
    { projected: 0.99, target: 0.995, fires: true },
    { projected: 0.996, target: 0.995, fires: false },
    { projected: null, target: 0.995, fires: false },
  ])('operator projected $projected vs target $target -> fires $fires', ({ projected, target, fires }) => {
    const st = fleet([], { operators: [{ id: 'op1', tier: 'Certified', slaTarget: target, projectedRatio: projected }] });
    const r = run([0, 10, 20, 31].map((m) => ({ t: T0 + m * MIN, state: st })));
    expect(r.labels).toEqual(fires ? ['sla_at_risk:firing@1860s'] : []);
    if (fires) expect(r.transitions.at(-1)!.alert.subject).toEqual({ type: 'operator', id: 'op1', operatorId: 'op1' });
  });

  it('entering maintenance resolves a firing alert and the node stays silent', () => {
    const down = (_t: number, m = false) => fleet([node({ lastHeartbeatAt: T0, inMaintenance: m })]);
    const steps = [0, 5, 6].map((m) => ({ t: T0 + m * MIN, state: down(T0) }));
    steps.push(...[7, 8, 9, 30].map((m) => ({ t: T0 + m * MIN, state: down(T0, true) })));
    expect(run(steps).labels).toEqual(['node_offline:firing@300s', 'node_offline:resolved@480s']);
  });

  it('a node removed from the fleet resolves its alerts', () => {
    const steps = [0, 5].map((m) => ({ t: T0 + m * MIN, state: fleet([node({ lastHeartbeatAt: T0 })]) }));
    steps.push({ t: T0 + 6 * MIN, state: fleet([]) });
    const r = run(steps);
    expect(r.labels).toEqual(['node_offline:firing@300s', 'node_offline:resolved@360s']);
    expect(r.state).toEqual({});
  });

  it('transitions carry the subject and key', () => {
    const r = run([0, 5].map((m) => ({ t: T0 + m * MIN, state: fleet([node({ id: 'n9', region: 'us', lastHeartbeatAt: T0 })]) })));
    const f = r.transitions.find((x) => x.to === 'firing')!;
    expect(f.key).toBe(alertKey('node_offline', { type: 'node', id: 'n9' }));
    expect(f.alert).toMatchObject({
      severity: 'critical',
      incidentClass: 'down',
      subject: { type: 'node', id: 'n9', operatorId: 'op1', region: 'us' },
      firedAt: T0 + 5 * MIN,
    });
  });

  it('is pure: the previous state is not mutated', () => {
    const prev = run([{ t: T0 + 2 * MIN, state: fleet([node({ lastHeartbeatAt: T0 })]) }]).state;
    const copy = structuredClone(prev);
    evaluate(fleet([node({ lastHeartbeatAt: T0 })]), prev, T0 + 10 * MIN);
    expect(prev).toEqual(copy);
  });
});

describe('region coverage', () => {
  const ops = (counts: Record<string, number>, state: 'certified' | 'suspended' = 'certified') =>
    Object.entries(counts).flatMap(([region, n]) => Array.from({ length: n }, (_, i) => ({ operatorId: `${region}-${i}`, state, region })));
  const firing = (regionOperators: FleetState['regionOperators'], config: RulesConfig = DEFAULT_RULES_CONFIG, minutes = 0) =>
    run(
      Array.from({ length: minutes + 1 }, (_, m) => ({ t: T0 + m * MIN, state: fleet([], { regionOperators }) })),
      config,
    )
      .transitions.filter((x) => x.alert.kind === 'region_coverage')
      .map((x) => `${x.key}@${(x.at - T0) / MIN}:${x.to}`);

  it.each([
    { name: 'two active operators: covered', operators: ops({ eu: 2 }), want: [] },
    { name: 'one active operator: at risk', operators: ops({ eu: 1, us: 2 }), want: ['region_coverage:region:eu@0:firing'] },
    {
      name: 'suspended operators do not count',
      operators: [...ops({ eu: 1 }), ...ops({ eu: 3 }, 'suspended').map((o) => ({ ...o, operatorId: `s-${o.operatorId}` }))],
      want: ['region_coverage:region:eu@0:firing'],
    },
  ])('$name', ({ operators, want }) => {
    expect(firing(operators)).toEqual(want);
  });

  it('the requirement and the wait are configurable', () => {
    const cfg = loadRulesConfig({ rules: [{ id: 'region_coverage', required: 3, forMs: 10 * MIN }] });
    expect(firing(ops({ eu: 2, us: 3 }), cfg, 12)).toEqual(['region_coverage:region:eu@0:pending', 'region_coverage:region:eu@10:firing']);
    expect(() => loadRulesConfig({ rules: [{ id: 'region_coverage', required: 0 }] })).toThrow(AlertConfigError);
  });
});

describe('rules config', () => {
  it('defaults hold the DOMAIN thresholds', () => {
    const byId = Object.fromEntries(DEFAULT_RULES_CONFIG.rules.map((r) => [r.id, r]));
    expect(byId.node_offline).toMatchObject({ forMs: 5 * MIN });
    expect(byId.disk_warning).toMatchObject({ thresholdPct: 85 });
    expect(byId.disk_critical).toMatchObject({ thresholdPct: 90 });
    expect(byId.clock_skew).toMatchObject({ maxSkewMs: 60_000 });
  });

  it('overrides a default by id and adds a new rule with kind defaults', () => {
    const cfg = loadRulesConfig({
      rules: [
        { id: 'node_offline', forMs: 30_000 },
        { id: 'dispatch_queue', kind: 'check', match: { names: ['dispatch-queue'] } },
      ],
    });
    const byId = Object.fromEntries(cfg.rules.map((r) => [r.id, r]));
    expect(byId.node_offline).toMatchObject({ kind: 'node_offline', forMs: 30_000, graceMs: 15_000 });
    expect(byId.dispatch_queue).toMatchObject({
      kind: 'check',
      enabled: true,
      severity: 'warning',
      statuses: ['warn', 'critical'],
      forMs: 5 * MIN,
    });
  });

  it.each([
    { input: { rules: [{ id: 'x', kind: 'nope' }] }, problem: '/rules/0/kind' },
    { input: { rules: [{ id: 'disk_warning', thresholdPct: 150 }] }, problem: '/rules/0/thresholdPct' },
    { input: { rules: [{ id: 'node_offline', kind: 'disk' }] }, problem: 'cannot change the kind' },
    { input: { rules: [{ kind: 'disk' }] }, problem: '/rules/0/id' },
    { input: { restartGraceMs: -1 }, problem: '/restartGraceMs' },
    { input: { flap: { threshold: 1 } }, problem: '/flap/threshold' },
    { input: { bogus: true }, problem: '/bogus' },
  ])('refuses $problem with a stable code', ({ input, problem }) => {
    try {
      loadRulesConfig(input);
      expect.unreachable('should throw');
    } catch (e) {
      expect(e).toBeInstanceOf(AlertConfigError);
      expect((e as AlertConfigError).code).toBe('FLEET_ALERT_CONFIG_INVALID');
      expect((e as AlertConfigError).problems.join('\n')).toContain(problem);
    }
  });

  it('lists every problem, not just the first', () => {
    const err = (() => {
      try {
        loadRulesConfig({
          rules: [
            { id: 'disk_warning', thresholdPct: 150 },
            { id: 'clock_skew', maxSkewMs: -5 },
          ],
        });
      } catch (e) {
        return e as AlertConfigError;
      }
    })();
    expect(err?.problems.length).toBeGreaterThanOrEqual(2);
  });

  it('a disabled rule does not fire', () => {
    const cfg = loadRulesConfig({ rules: [{ id: 'node_offline', enabled: false }] });
    expect(run(offlineTimeline(T0, 10 * MIN), cfg).labels).toEqual([]);
  });
});

describe('what the rules can fire on (the alert cycle reads only that)', () => {
  it.each([
    ['the default rules', {}, { checkStatuses: ['critical', 'warn'], diskMinPct: 85, regions: true }],
    [
      'disk rules off',
      {
        rules: [
          { id: 'disk_warning', enabled: false },
          { id: 'disk_critical', enabled: false },
        ],
      },
      { checkStatuses: ['critical', 'warn'], diskMinPct: null, regions: true },
    ],
    [
      'a lower disk threshold',
      { rules: [{ id: 'disk_warning', thresholdPct: 70 }] },
      { checkStatuses: ['critical', 'warn'], diskMinPct: 70, regions: true },
    ],
    [
      'every check rule off',
      { rules: ['sla_check_failing', 'tmux_session_missing', 'cron_stale'].map((id) => ({ id, enabled: false })) },
      { checkStatuses: [], diskMinPct: 85, regions: true },
    ],
    // `unknown` never fires a check rule, so it is never read; `ok` is read when a rule asks for it.
    [
      'a rule on ok and unknown',
      { rules: [{ id: 'canary', kind: 'check', match: { names: ['canary'] }, statuses: ['ok', 'unknown'] }] },
      { checkStatuses: ['critical', 'ok', 'warn'], diskMinPct: 85, regions: true },
    ],
    [
      'region coverage off: the operators are not read',
      { rules: [{ id: 'region_coverage', enabled: false }] },
      { checkStatuses: ['critical', 'warn'], diskMinPct: 85, regions: false },
    ],
  ])('%s', (_name, input, expected) => {
    expect(fleetInterest(loadRulesConfig(input))).toEqual(expected);
  });
});

const DAY = 86_400_000;

describe('the default rules', () => {
  it('are the program defaults, each kind filling what its rules leave out', () => {
    // Written out in full: each kind's file gives only what differs from the kind's defaults.
    const byId = <T extends { id: string }>(rules: readonly T[]) => Object.fromEntries(rules.map((r) => [r.id, r]));
    expect(byId(DEFAULT_RULES)).toEqual(
      byId([
        {
          kind: 'node_offline',
          id: 'node_offline',
          enabled: true,
          severity: 'critical',
          incidentClass: 'down',
          forMs: 5 * MIN,
          cooldownMs: MIN,
          graceMs: 15_000,
        },
        {
          kind: 'check',
          id: 'sla_check_failing',
          enabled: true,
          severity: 'critical',
          incidentClass: 'down',
          forMs: 5 * MIN,
          cooldownMs: MIN,
          match: { slaCritical: true },
          statuses: ['critical'],
        },
        {
          kind: 'disk',
          id: 'disk_warning',
          enabled: true,
          severity: 'warning',
          incidentClass: 'P3',
          forMs: 5 * MIN,
          cooldownMs: 5 * MIN,
          thresholdPct: 85,
        },
        {
          kind: 'disk',
          id: 'disk_critical',
          enabled: true,
          severity: 'critical',
          incidentClass: 'P2',
          forMs: 5 * MIN,
          cooldownMs: 5 * MIN,
          thresholdPct: 90,
        },
        {
          kind: 'check',
          id: 'tmux_session_missing',
          enabled: true,
          severity: 'warning',
          incidentClass: 'P3',
          forMs: 5 * MIN,
          cooldownMs: MIN,
          match: { probes: ['tmux'], names: ['tmux'] },
          statuses: ['warn', 'critical'],
        },
        {
          kind: 'check',
          id: 'cron_stale',
          enabled: true,
          severity: 'warning',
          incidentClass: 'P3',
          forMs: 15 * MIN,
          cooldownMs: 5 * MIN,
          match: { probes: ['cron'], names: ['cron'] },
          statuses: ['warn', 'critical'],
        },
        {
          kind: 'credential_expiry',
          id: 'credential_expiring',
          enabled: true,
          severity: 'warning',
          incidentClass: 'P3',
          forMs: 0,
          cooldownMs: 0,
          warnBeforeMs: 14 * DAY,
        },
        {
          kind: 'clock_skew',
          id: 'clock_skew',
          enabled: true,
          severity: 'warning',
          incidentClass: 'P3',
          forMs: 5 * MIN,
          cooldownMs: 5 * MIN,
          maxSkewMs: 60_000,
        },
        {
          kind: 'sla_at_risk',
          id: 'sla_at_risk',
          enabled: true,
          severity: 'warning',
          incidentClass: 'P3',
          forMs: 30 * MIN,
          cooldownMs: 30 * MIN,
          marginRatio: 0,
        },
        {
          kind: 'region_coverage',
          id: 'region_coverage',
          enabled: true,
          severity: 'warning',
          incidentClass: 'P3',
          forMs: 0,
          cooldownMs: 0,
          required: 2,
        },
      ]),
    );
    expect(DEFAULT_RULES.map((r) => r.id).sort()).toEqual([
      'clock_skew',
      'credential_expiring',
      'cron_stale',
      'disk_critical',
      'disk_warning',
      'node_offline',
      'region_coverage',
      'sla_at_risk',
      'sla_check_failing',
      'tmux_session_missing',
    ]);
  });
});
