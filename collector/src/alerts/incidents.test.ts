import { describe, expect, it } from 'vitest';
import { IncidentError, IncidentPolicyError } from './errors.ts';
import { DEFAULT_INCIDENT_POLICY, loadIncidentPolicy } from './incident-policy.ts';
import { incidentStats } from './incident-stats.ts';
import {
  acknowledge,
  autoResolve,
  classify,
  nodeChanges,
  openIncident,
  postmortemsDue,
  reconcile,
  resolveByHand,
  tick,
  updateIncident,
  type FleetNode,
  type Incident,
  type IncidentGroup,
} from './incidents.ts';
import type { AlertInstance, IncidentClass } from './types.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);

function alert(
  nodeId: string,
  ruleId: string,
  incidentClass: IncidentClass,
  over: Partial<AlertInstance> = {},
  region = 'eu',
  operatorId = 'op1',
): AlertInstance {
  return {
    key: `${ruleId}:node:${nodeId}`,
    ruleId,
    kind: ruleId === 'node_offline' ? 'node_offline' : 'check',
    severity: incidentClass === 'P3' ? 'warning' : 'critical',
    incidentClass,
    subject: { type: 'node', id: nodeId, operatorId, region },
    phase: 'firing',
    active: true,
    activeSince: T0,
    clearedSince: null,
    firedAt: T0,
    resolvedAt: null,
    flips: [],
    flapping: false,
    summary: `${nodeId} ${ruleId}`,
    ...over,
  };
}

/** `spec` like { eu: 4, us: 3 } -> nodes eu-0..eu-3, us-0..us-2, operator by index parity. */
function fleetOf(spec: Record<string, number>): FleetNode[] {
  return Object.entries(spec).flatMap(([region, n]) =>
    Array.from({ length: n }, (_, i) => ({ id: `${region}-${i}`, region, operatorId: `op${i % 2}` })),
  );
}
const downAlerts = (ids: string[]) =>
  ids.map((id) => alert(id, 'node_offline', 'down', {}, id.split('-')[0]!, `op${Number(id.split('-')[1]) % 2}`));

describe('classify', () => {
  it.each([
    { name: 'one node down -> P2', fleet: { eu: 4, us: 4 }, down: ['eu-0'], want: ['node:eu-0:P2'] },
    {
      name: 'half a region down is not > 50 % -> P2s',
      fleet: { eu: 4, us: 4 },
      down: ['eu-0', 'eu-1'],
      want: ['node:eu-0:P2', 'node:eu-1:P2'],
    },
    {
      name: '3 of 4 in a region -> one P1 absorbing the P2s',
      fleet: { eu: 4, us: 4 },
      down: ['eu-0', 'eu-1', 'eu-2'],
      want: ['region:eu:P1'],
    },
    {
      name: 'P1 in eu plus a single P2 in us',
      fleet: { eu: 4, us: 4 },
      down: ['eu-0', 'eu-1', 'eu-2', 'us-3'],
      want: ['region:eu:P1', 'node:us-3:P2'],
    },
    {
      name: 'all nodes down -> P0',
      fleet: { eu: 4, us: 4 },
      down: ['eu-0', 'eu-1', 'eu-2', 'eu-3', 'us-0', 'us-1', 'us-2', 'us-3'],
      want: ['fleet:P0'],
    },
    {
      name: '9 of 10 down is almost all -> P0',
      fleet: { eu: 10 },
      down: Array.from({ length: 9 }, (_, i) => `eu-${i}`),
      want: ['fleet:P0'],
    },
    { name: 'single-node region down is a P2, not a P1', fleet: { eu: 4, ap: 1 }, down: ['ap-0'], want: ['node:ap-0:P2'] },
    { name: 'two-node fleet fully down stays below p0MinNodes -> P1', fleet: { eu: 2 }, down: ['eu-0', 'eu-1'], want: ['region:eu:P1'] },
    { name: 'nothing down', fleet: { eu: 4 }, down: [], want: [] },
  ])('$name', ({ fleet, down, want }) => {
    const groups = classify(downAlerts(down), fleetOf(fleet as unknown as Record<string, number>));
    expect(groups.map((g) => g.key)).toEqual(want);
  });

  it('nodes that never reported are not in the fractions (a region of 2 in service, both down, is a P1)', () => {
    const nodes: FleetNode[] = [...fleetOf({ eu: 4 }).map((n, i) => (i < 2 ? n : { ...n, lastHeartbeatAt: null })), ...fleetOf({ us: 4 })];
    expect(classify(downAlerts(['eu-0', 'eu-1']), nodes).map((g) => g.key)).toEqual(['region:eu:P1']);
  });

  it('a P1 lists every node it covers and absorbs their other alerts too', () => {
    const alerts = [...downAlerts(['eu-0', 'eu-1', 'eu-2']), alert('eu-1', 'disk_warning', 'P3'), alert('eu-3', 'disk_warning', 'P3')];
    const groups = classify(alerts, fleetOf({ eu: 4 }));
    expect(groups.map((g) => [g.key, g.nodeIds, g.alertKeys.length])).toEqual([
      ['region:eu:P1', ['eu-0', 'eu-1', 'eu-2'], 4],
      ['node:eu-3:P3', ['eu-3'], 1],
    ]);
    expect(groups[0]!.operatorIds).toEqual(['op0', 'op1']);
  });

  it('P2 and P3 of one node are separate incidents; pending and resolved alerts are ignored', () => {
    const alerts = [
      alert('eu-0', 'disk_critical', 'P2'),
      alert('eu-0', 'clock_skew', 'P3'),
      alert('eu-1', 'node_offline', 'down', { phase: 'pending' }),
      alert('eu-2', 'node_offline', 'down', { phase: 'inactive' }),
    ];
    expect(classify(alerts, fleetOf({ eu: 4 })).map((g) => g.key)).toEqual(['node:eu-0:P2', 'node:eu-0:P3']);
  });

  it('nodes in maintenance neither count as down nor in the denominator', () => {
    const nodes = fleetOf({ eu: 4 }).map((n) => (n.id === 'eu-3' || n.id === 'eu-2' ? { ...n, inMaintenance: true } : n));
    // eu-0 down of {eu-0, eu-1} is 50 %: not > 50 % -> P2. eu-2's alert is silenced.
    expect(classify(downAlerts(['eu-0', 'eu-2']), nodes).map((g) => g.key)).toEqual(['node:eu-0:P2']);
  });

  it('operator-level alerts make an operator P3 and flapping is carried', () => {
    const op: AlertInstance = {
      ...alert('x', 'sla_at_risk', 'P3'),
      key: 'sla_at_risk:operator:op1',
      kind: 'sla_at_risk',
      subject: { type: 'operator', id: 'op1', operatorId: 'op1' },
    };
    const groups = classify([op, alert('eu-0', 'node_offline', 'down', { flapping: true })], fleetOf({ eu: 4 }));
    expect(groups.map((g) => [g.key, g.flapping])).toEqual([
      ['node:eu-0:P2', true],
      ['operator:op1:P3', false],
    ]);
    expect(groups[0]!.summary).toContain('FLAPPING');
  });
});

function incidentFrom(g: IncidentGroup, id: string, at = T0): Incident {
  return openIncident(id, g, at);
}

describe('reconcile', () => {
  const nodes = fleetOf({ eu: 4, us: 4 });
  it('opens, updates node lists, auto-resolves, and marks P2s absorbed by a new P1', () => {
    const g1 = classify(downAlerts(['eu-0', 'us-0']), nodes);
    const open = g1.map((g, i) => incidentFrom(g, `i${i}`));
    expect(reconcile([], g1).map((a) => a.type)).toEqual(['open', 'open']);
    expect(reconcile(open, g1)).toEqual([]);

    const g2 = classify(downAlerts(['eu-0', 'eu-1', 'eu-2']), nodes);
    const actions = reconcile(open, g2);
    expect(actions).toEqual([
      { type: 'resolve', incidentId: 'i0', reason: 'absorbed', absorbedInto: 'region:eu:P1' },
      { type: 'resolve', incidentId: 'i1', reason: 'cleared', absorbedInto: null },
      { type: 'open', group: g2[0] },
    ]);

    const p1 = incidentFrom(g2[0]!, 'p1');
    const g3 = classify(downAlerts(['eu-0', 'eu-1', 'eu-2', 'eu-3']), nodes);
    const upd = reconcile([p1], g3);
    expect(upd).toMatchObject([{ type: 'update', incidentId: 'p1', addedNodes: ['eu-3'], removedNodes: [] }]);
    expect(updateIncident(p1, g3[0]!).nodeIds).toEqual(['eu-0', 'eu-1', 'eu-2', 'eu-3']);
  });

  it("node changes keep the lists' order, and hold at fleet size (a fleet-wide incident losing and gaining nodes)", () => {
    expect(nodeChanges(['a', 'b', 'c'], ['d', 'c', 'a'])).toEqual({ added: ['d'], removed: ['b'] });
    expect(nodeChanges([], [])).toEqual({ added: [], removed: [] });
    const before = Array.from({ length: 20_000 }, (_, i) => `n${i}`);
    const after = [...before.filter((_, i) => i % 1000 !== 7), 'new-1', 'new-2'];
    const { added, removed } = nodeChanges(before, after);
    expect(added).toEqual(['new-1', 'new-2']);
    expect(removed).toEqual(before.filter((_, i) => i % 1000 === 7));
  });

  it('resolved incidents are ignored (a new one opens for the same key)', () => {
    const g = classify(downAlerts(['eu-0']), nodes);
    const old = autoResolve(incidentFrom(g[0]!, 'old'), T0 + MIN);
    expect(reconcile([old], g)).toEqual([{ type: 'open', group: g[0] }]);
  });
});

describe('lifecycle', () => {
  const g = classify(downAlerts(['eu-0', 'eu-1', 'eu-2']), fleetOf({ eu: 4 }))[0]!;
  const inc = incidentFrom(g, 'p1');

  it('open -> acknowledged -> resolved by hand with notes; P1 needs a post-mortem within 48 h', () => {
    expect(inc).toMatchObject({ status: 'open', severity: 'P1', postmortemRequired: true, postmortemDueAt: null });
    const { incident: acked, changed } = acknowledge(inc, 'lead@fleet', T0 + 4 * MIN);
    expect(changed).toBe(true);
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedAt: T0 + 4 * MIN, acknowledgedBy: 'lead@fleet' });
    expect(acknowledge(acked, 'other', T0 + 5 * MIN)).toEqual({ incident: acked, changed: false });
    const done = resolveByHand(acked, { by: 'lead@fleet', cause: 'provider network', resolution: 'failover' }, T0 + HOUR);
    expect(done).toMatchObject({
      status: 'resolved',
      resolvedBy: 'lead@fleet',
      cause: 'provider network',
      resolution: 'failover',
      postmortemDueAt: T0 + HOUR + 48 * HOUR,
    });
    expect(postmortemsDue([done], T0 + 2 * HOUR)).toHaveLength(1);
    expect(postmortemsDue([done], T0 + 2 * HOUR, true)).toHaveLength(0);
    expect(postmortemsDue([done], T0 + 50 * HOUR, true)).toHaveLength(1);
  });

  it.each([
    {
      name: 'resolve by hand without a cause',
      f: () => resolveByHand(inc, { by: 'x', cause: ' ', resolution: 'r' }, T0),
      code: 'FLEET_BAD_REQUEST',
      statusCode: 400,
      message: 'resolving by hand needs a cause and a resolution',
    },
    {
      name: 'acknowledge a resolved incident',
      f: () => acknowledge(autoResolve(inc, T0), 'x', T0),
      code: 'FLEET_CONFLICT',
      statusCode: 409,
      message: `incident ${inc.id} is already resolved`,
    },
    {
      name: 'resolve twice',
      f: () => autoResolve(autoResolve(inc, T0), T0),
      code: 'FLEET_CONFLICT',
      statusCode: 409,
      message: `incident ${inc.id} is already resolved`,
    },
  ])('$name -> $code', ({ f, code, statusCode, message }) => {
    expect(f).toThrow(IncidentError);
    expect(f).toThrow(expect.objectContaining({ code, statusCode, message }));
  });

  it('a bad policy -> FLEET_INCIDENT_POLICY_INVALID, naming the field', () => {
    const f = () => loadIncidentPolicy({ escalateAfterMs: 0 });
    expect(f).toThrow(IncidentPolicyError);
    expect(f).toThrow(
      expect.objectContaining({ code: 'FLEET_INCIDENT_POLICY_INVALID', message: expect.stringContaining('/escalateAfterMs') }),
    );
  });

  it('a P2 needs no post-mortem, an absorbed incident neither', () => {
    const p2 = incidentFrom(classify(downAlerts(['eu-0']), fleetOf({ eu: 4 }))[0]!, 'p2');
    expect(autoResolve(p2, T0 + MIN).postmortemDueAt).toBeNull();
    const p1 = incidentFrom(g, 'x');
    expect(autoResolve(p1, T0 + MIN, 'fleet:P0')).toMatchObject({
      postmortemRequired: false,
      absorbedInto: 'fleet:P0',
      resolution: 'absorbed into fleet:P0',
    });
  });
});

describe('escalation and targets', () => {
  const p2 = openIncident('p2', classify(downAlerts(['eu-0']), fleetOf({ eu: 4 }))[0]!, T0);
  const run = (inc: Incident, times: number[]) => {
    const events: string[] = [];
    let cur = inc;
    for (const t of times) {
      const r = tick(cur, T0 + t * MIN);
      cur = r.incident;
      events.push(...r.events.map((e) => `${e.type}@${(e.at - T0) / MIN}m`));
    }
    return { events, incident: cur };
  };

  it.each([
    {
      name: 'unacknowledged P2: escalated at 10 min, respond missed at 1 h, resolve missed at 24 h',
      ack: null,
      times: [5, 9, 10, 11, 59, 60, 61, 24 * 60],
      want: ['escalated@10m', 'respond_target_missed@60m', 'resolve_target_missed@1440m'],
    },
    { name: 'acknowledged at 5 min: no escalation, no respond miss', ack: 5, times: [5, 10, 60, 120], want: [] },
    { name: 'acknowledged at 30 min: escalated, but respond target met', ack: 30, times: [10, 30, 61], want: ['escalated@10m'] },
    {
      name: 'acknowledged at 90 min, first tick after: respond miss recorded, no escalation of an acknowledged incident',
      ack: 90,
      times: [100, 200],
      want: ['respond_target_missed@60m'],
    },
  ])('$name', ({ ack, times, want }) => {
    // ticks before the acknowledgement see the incident open; it is acknowledged at `ack`
    const evs: string[] = [];
    let cur = p2;
    for (const t of times) {
      if (ack !== null && t >= ack && cur.acknowledgedAt === null) cur = { ...acknowledge(cur, 'lead', T0 + ack * MIN).incident };
      const r = tick(cur, T0 + t * MIN);
      cur = r.incident;
      evs.push(...r.events.map((e) => `${e.type}@${(e.at - T0) / MIN}m`));
    }
    expect(evs).toEqual(want);
  });

  it('P0 targets are 15 min / 4 h', () => {
    const p0 = openIncident('p0', classify(downAlerts(['eu-0', 'eu-1', 'eu-2', 'eu-3']), fleetOf({ eu: 4 }))[0]!, T0);
    expect(p0.severity).toBe('P0');
    expect(run(p0, [14, 15, 239, 240]).events).toEqual(['escalated@10m', 'respond_target_missed@15m', 'resolve_target_missed@240m']);
  });

  it('auto-resolved before the targets: nothing missed, no escalation after resolution', () => {
    const done = autoResolve(p2, T0 + 5 * MIN);
    expect(run(done, [10, 60, 24 * 60]).events).toEqual([]);
  });

  it('targets come from the policy', () => {
    expect(DEFAULT_INCIDENT_POLICY.targets.P3).toEqual({ respondMs: 4 * HOUR, resolveMs: 72 * HOUR });
    expect(DEFAULT_INCIDENT_POLICY.targets.P1).toEqual({ respondMs: 30 * MIN, resolveMs: 8 * HOUR });
  });
});

describe('MTTA / MTTR', () => {
  const base = (
    id: string,
    sev: Incident['severity'],
    ops: string[],
    opened: number,
    ack: number | null,
    res: number | null,
    absorbedInto: string | null = null,
  ): Incident => ({
    ...openIncident(
      id,
      {
        key: id,
        severity: sev,
        scope: { type: 'node', id },
        nodeIds: [id],
        operatorIds: ops,
        regions: ['eu'],
        alertKeys: [],
        flapping: false,
        summary: '',
      },
      T0 + opened * MIN,
    ),
    acknowledgedAt: ack === null ? null : T0 + ack * MIN,
    resolvedAt: res === null ? null : T0 + res * MIN,
    status: res !== null ? 'resolved' : ack !== null ? 'acknowledged' : 'open',
    absorbedInto,
  });
  const incidents = [
    base('a', 'P2', ['op1'], 0, 10, 60),
    base('b', 'P2', ['op2'], 100, 120, 200),
    base('c', 'P1', ['op1', 'op2'], 300, 305, null),
    base('d', 'P2', ['op1'], 290, null, 300, 'region:eu:P1'),
    base('e', 'P3', ['op1'], 10_000, null, null),
  ];

  it.each([
    {
      name: 'fleet',
      pick: (s: ReturnType<typeof incidentStats>) => s.fleet,
      want: { count: 3, acknowledged: 3, resolved: 2, mttaMs: ((10 + 20 + 5) / 3) * MIN, mttrMs: ((60 + 100) / 2) * MIN },
    },
    { name: 'P2', pick: (s: ReturnType<typeof incidentStats>) => s.bySeverity.P2, want: { count: 2, mttaMs: 15 * MIN, mttrMs: 80 * MIN } },
    { name: 'P1', pick: (s: ReturnType<typeof incidentStats>) => s.bySeverity.P1, want: { count: 1, mttaMs: 5 * MIN, mttrMs: null } },
    { name: 'P0 (none)', pick: (s: ReturnType<typeof incidentStats>) => s.bySeverity.P0, want: { count: 0, mttaMs: null, mttrMs: null } },
    {
      name: 'op1',
      pick: (s: ReturnType<typeof incidentStats>) => s.byOperator.op1!,
      want: { count: 2, mttaMs: 7.5 * MIN, mttrMs: 60 * MIN },
    },
    {
      name: 'op2',
      pick: (s: ReturnType<typeof incidentStats>) => s.byOperator.op2!,
      want: { count: 2, mttaMs: 12.5 * MIN, mttrMs: 100 * MIN },
    },
  ])('$name over [T0, T0+1000 min)', ({ pick, want }) => {
    expect(pick(incidentStats(incidents, { from: T0, to: T0 + 1000 * MIN }))).toMatchObject(want);
  });

  it('the range selects by opening time', () => {
    expect(incidentStats(incidents, { from: T0 + 50 * MIN, to: T0 + 250 * MIN }).fleet.count).toBe(1);
    expect(incidentStats(incidents, { from: T0, to: T0 + 20_000 * MIN }).bySeverity.P3.count).toBe(1);
  });
});
