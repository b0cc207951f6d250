import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { migrateDatabase, openDatabase, type Database } from '../db/database.ts';
import { verifyAckToken } from './ack-link.ts';
import { AlertStateCache, sameJson } from './alert-state-store.ts';
import { acknowledgeIncident, resolveIncidentByHand, runAlertCycle, type EngineOptions } from './engine.ts';
import { IncidentError } from './errors.ts';
import { getIncident, incidentHistory, listIncidents } from './incident-store.ts';
import { incidentStats } from './incident-stats.ts';
import { loadRoutingConfig } from './routing.ts';
import type { FleetState, NodeState } from './types.ts';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);
const ACK_KEY = 'ack-link-key-'.padEnd(40, 'x');

let db: Database;
let drop: () => Promise<void>;
beforeAll(async () => {
  const t = await createTestDatabase('alerts_engine', { migrated: true });
  drop = t.drop;
  await migrateDatabase(t.url);
  db = openDatabase(t.url, { max: 4 });
});
afterAll(async () => {
  await db?.close();
  await drop?.();
});
beforeEach(async () => {
  await db.sql`truncate alert_instances, alert_state_stamp, incidents, incident_nodes, incident_events, alert_notifications`;
});

let ids = 0;
const opts: EngineOptions = {
  routing: loadRoutingConfig(
    {
      routes: [
        { match: { severities: ['P0', 'P1'] }, channels: ['lead'] },
        { match: { operators: ['op1'] }, channels: ['op1'] },
      ],
      default: ['ops'],
      escalation: ['lead'],
    },
    ['lead', 'op1', 'ops'],
  ),
  ackLinks: { baseUrl: 'https://fleet.example', keys: [ACK_KEY], ttlMs: 24 * 3600 * S },
  newId: () => `inc-${++ids}`,
};

/** Four nodes in eu; `down` maps node -> last heartbeat (others heartbeat at `now`). */
function state(now: number, down: Record<string, number> = {}, over: Partial<FleetState> = {}): FleetState {
  const nodes: NodeState[] = ['eu-0', 'eu-1', 'eu-2', 'eu-3'].map((id, i) => ({
    id,
    operatorId: i % 2 ? 'op1' : 'op0',
    region: 'eu',
    lastHeartbeatAt: down[id] ?? now,
    checks: {},
  }));
  return { observingSince: T0 - 3600 * S, nodes, ...over };
}

async function outbox() {
  const rows = await db.sql`select incident_id, channel, transition from alert_notifications order by id`;
  return rows.map((r) => `${r.incident_id}:${r.transition}>${r.channel}`);
}

describe('alert cycle on PostgreSQL', () => {
  it('P2, absorbed into a P1, escalated, acknowledged, resolved: each step recorded and enqueued once', async () => {
    ids = 0;
    const down: Record<string, number> = { 'eu-0': T0 };
    // minute by minute; eu-0 dies at T0, eu-1 and eu-2 at T0+3 min
    for (let m = 0; m <= 6; m++) {
      if (m === 3) Object.assign(down, { 'eu-1': T0 + 3 * MIN, 'eu-2': T0 + 3 * MIN });
      await runAlertCycle(db.sql, state(T0 + m * MIN, down), T0 + m * MIN, opts);
    }
    expect(await outbox()).toEqual(['inc-1:opened>ops']);
    for (let m = 7; m <= 8; m++) await runAlertCycle(db.sql, state(T0 + m * MIN, down), T0 + m * MIN, opts);
    // at 8 min eu-1, eu-2 reach 5 min: one P1 listing three nodes; the P2 is merged into it
    expect(await outbox()).toEqual(['inc-1:opened>ops', 'inc-1:resolved>ops', 'inc-2:opened>lead', 'inc-2:opened>op1']);
    const p1 = (await getIncident(db.sql, 'inc-2'))!;
    expect(p1).toMatchObject({
      key: 'region:eu:P1',
      severity: 'P1',
      status: 'open',
      nodeIds: ['eu-0', 'eu-1', 'eu-2'],
      postmortemRequired: true,
    });
    expect(await getIncident(db.sql, 'inc-1')).toMatchObject({ status: 'resolved', absorbedInto: 'region:eu:P1', resolvedBy: 'auto' });

    // the opened notification carries a working signed acknowledge link for that incident only
    const [row] = await db.sql`select payload from alert_notifications where incident_id = 'inc-2' and transition = 'opened' limit 1`;
    const link = new URL(row!.payload.ackUrl);
    expect(link.pathname).toBe('/v1/incidents/inc-2/ack');
    expect(verifyAckToken(link.searchParams.get('token'), [ACK_KEY], T0 + 9 * MIN, 'inc-2')).toMatchObject({ ok: true });
    expect(row!.payload.nodes.map((n: { id: string }) => n.id)).toEqual(['eu-0', 'eu-1', 'eu-2']);

    // same `now` again: nothing new (idempotent cycle)
    await runAlertCycle(db.sql, state(T0 + 8 * MIN, down), T0 + 8 * MIN, opts);
    expect(await outbox()).toHaveLength(4);

    // not acknowledged for 10 minutes: escalated to the fleet lead
    for (let m = 9; m <= 18; m++) await runAlertCycle(db.sql, state(T0 + m * MIN, down), T0 + m * MIN, opts);
    expect((await outbox()).slice(4)).toEqual(['inc-2:escalated>lead']);

    const ack = await acknowledgeIncident(db.sql, 'inc-2', 'lead@fleet', T0 + 20 * MIN, opts);
    expect(ack.changed).toBe(true);
    expect((await acknowledgeIncident(db.sql, 'inc-2', 'other', T0 + 21 * MIN, opts)).changed).toBe(false);
    expect((await outbox()).slice(5)).toEqual(['inc-2:acknowledged>lead', 'inc-2:acknowledged>op1']);

    // everything recovers at 40 min; node_offline cool-down is 1 min
    for (let m = 40; m <= 42; m++) await runAlertCycle(db.sql, state(T0 + m * MIN), T0 + m * MIN, opts);
    expect((await outbox()).slice(7)).toEqual(['inc-2:resolved>lead', 'inc-2:resolved>op1']);
    const done = (await getIncident(db.sql, 'inc-2'))!;
    expect(done).toMatchObject({
      status: 'resolved',
      resolvedBy: 'auto',
      acknowledgedBy: 'lead@fleet',
      escalatedAt: T0 + 18 * MIN,
      respondMissedAt: null,
    });
    expect(done.postmortemDueAt).toBe(done.resolvedAt! + 48 * 3600 * S);
    expect((await incidentHistory(db.sql, 'inc-2')).map((e) => e.type)).toEqual(['opened', 'escalated', 'acknowledged', 'resolved']);

    const stats = incidentStats(await listIncidents(db.sql, { from: T0, to: T0 + 3600 * S }), { from: T0, to: T0 + 3600 * S });
    expect(stats.bySeverity.P1).toMatchObject({ count: 1, mttaMs: 12 * MIN });
    expect(stats.bySeverity.P2.count).toBe(0); // absorbed
    // the alert instances stay only as flap history, inactive
    expect(await db.sql`select distinct phase from alert_instances`).toEqual([{ phase: 'inactive' }]);
  });

  it('the collector coming back after an outage pages nobody for nodes that reconnect', async () => {
    ids = 0;
    const back = T0 + 60 * MIN; // the collector was down from T0 to `back`; all heartbeats stopped at T0
    const down = { 'eu-0': T0, 'eu-1': T0, 'eu-2': T0, 'eu-3': T0 };
    await runAlertCycle(db.sql, state(back, down, { observingSince: back }), back, opts);
    await runAlertCycle(db.sql, state(back + MIN, down, { observingSince: back }), back + MIN, opts);
    // agents reconnect within the restart grace
    for (let m = 2; m <= 10; m++) await runAlertCycle(db.sql, state(back + m * MIN, {}, { observingSince: back }), back + m * MIN, opts);
    expect(await outbox()).toEqual([]);
    expect(await listIncidents(db.sql)).toEqual([]);
  });

  it('registered nodes that never reported page nobody and open no fleet-wide outage', async () => {
    ids = 0;
    const fresh = (_now: number): FleetState => ({
      observingSince: T0 - 3600 * S,
      nodes: ['new-0', 'new-1', 'new-2'].map((id) => ({
        id,
        operatorId: 'op0',
        region: 'eu',
        lastHeartbeatAt: null,
        registeredAt: T0 - 3600 * S,
        checks: {},
      })),
    });
    for (let m = 0; m <= 15; m++) await runAlertCycle(db.sql, fresh(T0 + m * MIN), T0 + m * MIN, opts);
    expect(await outbox()).toEqual([]);
    expect(await listIncidents(db.sql)).toEqual([]);
  });

  it('resolve by hand requires notes; unknown incidents have a stable code', async () => {
    ids = 0;
    const down = { 'eu-3': T0 };
    for (let m = 0; m <= 5; m++) await runAlertCycle(db.sql, state(T0 + m * MIN, down), T0 + m * MIN, opts);
    expect(await outbox()).toEqual(['inc-1:opened>op1']);
    await expect(
      resolveIncidentByHand(db.sql, 'inc-1', { by: 'lead', cause: '', resolution: 'x' }, T0 + 6 * MIN, opts),
    ).rejects.toMatchObject({ code: 'FLEET_BAD_REQUEST', statusCode: 400, message: 'resolving by hand needs a cause and a resolution' });
    const done = await resolveIncidentByHand(
      db.sql,
      'inc-1',
      { by: 'lead', cause: 'provider reboot', resolution: 'node restarted' },
      T0 + 6 * MIN,
      opts,
    );
    expect(done).toMatchObject({ status: 'resolved', resolvedBy: 'lead', cause: 'provider reboot' });
    expect(await outbox()).toEqual(['inc-1:opened>op1', 'inc-1:resolved>op1']);
    const err = await acknowledgeIncident(db.sql, 'nope', 'x', T0, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IncidentError);
    expect(err).toMatchObject({ code: 'FLEET_NOT_FOUND', statusCode: 404, message: 'incident nope not found' });
  });
});

describe('the alert state one evaluator keeps between its cycles', () => {
  /**
   * Thirteen cycles a minute apart (three nodes go down, one comes back), with another evaluator (no cache)
   * running a cycle of its own just before the 8th minute's, and one cycle failing (rolled back) when it opens its first
   * incident. Returns every cycle's transitions and what the tables hold at the end.
   */
  async function scenario(cache?: AlertStateCache) {
    await db.sql`truncate alert_instances, alert_state_stamp, incidents, incident_nodes, incident_events, alert_notifications`;
    ids = 0;
    let failed = false;
    const flaky: EngineOptions = {
      ...opts,
      newId: () => {
        if (!failed) {
          failed = true;
          throw new Error('injected: the cycle fails after it wrote the alert state');
        }
        return `inc-${++ids}`;
      },
      ...(cache ? { stateCache: cache } : {}),
    };
    const down: Record<string, number> = { 'eu-0': T0 };
    const log: string[] = [];
    for (let m = 0; m <= 12; m++) {
      const now = T0 + m * MIN;
      if (m === 3) Object.assign(down, { 'eu-1': now, 'eu-2': now });
      if (m === 11) delete down['eu-0'];
      if (m === 8) await runAlertCycle(db.sql, state(now, down), now, { ...opts, newId: () => `other-${++ids}` });
      const r = await runAlertCycle(db.sql, state(now, down), now, flaky).catch((e: Error) => ({ transitions: [], error: e.message }));
      log.push(`${m}: ${'error' in r ? r.error : r.transitions.map((t) => `${t.key}>${t.to}`).join(' ')}`);
    }
    const instances = await db.sql`select key, phase, data from alert_instances order by key`;
    return { log, outbox: await outbox(), instances };
  }

  it('gives the same cycles as reading the rows back, reads them again after another evaluator wrote, and keeps nothing of a rolled-back cycle', async () => {
    const read = await scenario();
    const cache = new AlertStateCache();
    const kept = await scenario(cache);
    expect(read.log.some((l) => l.includes('injected'))).toBe(true);
    expect(read.log.some((l) => l.includes('>firing'))).toBe(true);
    expect(kept).toEqual(read);
    // read at the first cycle and once after the other evaluator's; from memory in the eleven others
    expect({ reads: cache.reads, hits: cache.hits }).toEqual({ reads: 2, hits: 11 });
  });
});

describe('sameJson (an alert instance unchanged once stored as jsonb is not written again)', () => {
  it.each([
    [{ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }, true],
    [{ a: 1, u: undefined }, { a: 1 }, true],
    [{ a: 1 }, { a: 1, u: undefined }, true],
    [{ a: null }, { a: 1 }, false],
    [{ a: null }, {}, false],
    [{ a: [1, 2] }, { a: [2, 1] }, false],
    [{ a: [1] }, { a: { 0: 1 } }, false],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [{ a: '1' }, { a: 1 }, false],
  ])('%j vs %j: %s', (a, b, same) => {
    expect(sameJson(a, b)).toBe(same);
    expect(sameJson(b, a)).toBe(same);
  });
});

describe('listIncidents filters in the query', () => {
  // 40 incidents: the newest 30 for op-b/eu (P3), then 10 older ones for op-a/us (P2) on nodes a-0..a-9;
  // node a-3 left its incident (removed_at set).
  beforeEach(async () => {
    for (let i = 0; i < 40; i++) {
      const mine = i >= 30;
      await db.sql`insert into incidents (id, key, severity, status, summary, scope_type, operator_ids, regions, opened_at)
        values (${`inc-${i}`}, ${`k-${i}`}, ${mine ? 'P2' : 'P3'}, 'resolved', 's', 'node',
                ${db.sql.json([mine ? 'op-a' : 'op-b'])}, ${db.sql.json([mine ? 'us' : 'eu'])}, ${new Date(T0 - i * MIN)})`;
      const node = mine ? `a-${i - 30}` : `b-${i}`;
      await db.sql`insert into incident_nodes (node_name, incident_id, operator_id, region, added_at, removed_at)
        values (${node}, ${`inc-${i}`}, ${mine ? 'op-a' : 'op-b'}, ${mine ? 'us' : 'eu'}, ${new Date(T0 - i * MIN)}, ${node === 'a-3' ? new Date(T0) : null})`;
    }
  });
  const ids = async (q: Parameters<typeof listIncidents>[1]) => (await listIncidents(db.sql, q)).map((i) => i.id);

  it.each([
    ['operator, limit after the filter', { operator: 'op-a', limit: 3 }, ['inc-30', 'inc-31', 'inc-32']],
    ['region', { region: 'us', limit: 100 }, Array.from({ length: 10 }, (_, k) => `inc-${30 + k}`)],
    ['severity', { severity: 'P2' as const, limit: 2 }, ['inc-30', 'inc-31']],
    ['a current node', { node: 'a-5' }, ['inc-35']],
    ['a node that left its incident', { node: 'a-3' }, []],
    ['filters combine', { operator: 'op-a', severity: 'P3' as const }, []],
    ['with a range', { operator: 'op-a', from: T0 - 35 * MIN, to: T0 - 32 * MIN }, ['inc-33', 'inc-34', 'inc-35']],
    ['an operator id that is a prefix of another', { operator: 'op' }, []],
  ])('%s', async (_name, q, expected) => {
    expect(await ids(q)).toEqual(expected);
  });
});
