/**
 * One current state everywhere: a node inside a declared maintenance window is MAINTENANCE in
 * `GET /v1/nodes`, `GET /v1/nodes/{node}`, `timmy_node_up` and `timmy_fleet_nodes`, whatever its
 * settled state underneath; before and after the window it shows that state again. Real database,
 * injected clock, windows declared through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 22, 1, 0, 0);
const ADMIN = { authorization: 'Bearer admin-token-for-tests-0123456789' };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
const clock = new ManualClock(T0);

beforeAll(async () => {
  db = await createTestDatabase('maintenance_state', { migrated: true });
  c = await testCollector(db.url, clock);
  const sql = c.database.sql;
  const down = await c.register('down-in-window', { operator: 'alice', region: 'eu' });
  await c.register('up-in-region', { operator: 'bob', region: 'us' });
  await c.register('up-outside', { operator: 'bob', region: 'ap' });
  await c.register('never-reported', { region: 'us' });
  await sql`update nodes set current_state = 'DOWN', state_since = ${new Date(T0 - 30 * MIN)}, last_hb_at = ${new Date(T0 - 30 * MIN)} where name = 'down-in-window'`;
  await sql`update nodes set current_state = 'UP', state_since = ${new Date(T0 - 60 * MIN)}, last_hb_at = ${new Date(T0)} where name in ('up-in-region', 'up-outside')`;
  const declare = async (body: Record<string, unknown>) => {
    const r = await c.app.inject({
      method: 'POST',
      url: '/v1/admin/maintenance',
      headers: ADMIN,
      payload: { declaredBy: 'lead@fleet', reason: 'kernel upgrade', ...body },
    });
    expect(r.statusCode).toBe(201);
  };
  await declare({
    scope: 'node',
    node: String(down.nodeId),
    start: new Date(T0 + 10 * MIN).toISOString(),
    end: new Date(T0 + 40 * MIN).toISOString(),
  });
  // A recurring window for a region covers every node there (a node that never reported stays untracked).
  await declare({
    scope: 'region',
    region: 'us',
    start: new Date(T0 + 20 * MIN).toISOString(),
    end: new Date(T0 + 50 * MIN).toISOString(),
    recurrence: 'daily',
  });
});
afterAll(async () => {
  await c?.close();
  await db?.drop();
});

async function shown() {
  const nodes = (await c.app.inject({ url: '/v1/nodes' })).json() as Array<{
    name: string;
    state: string | null;
    stateSince: string | null;
  }>;
  const metrics = (await c.app.inject({ url: '/metrics' })).body.split('\n');
  const one = (await c.app.inject({ url: '/v1/nodes/down-in-window' })).json() as { state: string };
  return {
    api: Object.fromEntries(nodes.map((n) => [n.name, n.state])),
    since: Object.fromEntries(nodes.map((n) => [n.name, n.stateSince])),
    one: one.state,
    up: metrics.filter((l) => l.startsWith('timmy_node_up{')).sort(),
    fleet: metrics.filter((l) => l.startsWith('timmy_fleet_nodes{')).sort(),
  };
}

describe('the current state inside a maintenance window', () => {
  it('is the settled state before the window', async () => {
    clock.now = T0 + 5 * MIN;
    const s = await shown();
    expect(s.api).toEqual({ 'down-in-window': 'DOWN', 'up-in-region': 'UP', 'up-outside': 'UP', 'never-reported': null });
    expect(s.fleet).toEqual([
      'timmy_fleet_nodes{state="DOWN"} 1',
      'timmy_fleet_nodes{state="MAINTENANCE"} 0',
      'timmy_fleet_nodes{state="UNKNOWN"} 1',
      'timmy_fleet_nodes{state="UP"} 2',
    ]);
  });

  it('is MAINTENANCE in the API and in every gauge while a window covers the node', async () => {
    clock.now = T0 + 25 * MIN;
    const s = await shown();
    expect(s.api).toEqual({ 'down-in-window': 'MAINTENANCE', 'up-in-region': 'MAINTENANCE', 'up-outside': 'UP', 'never-reported': null });
    expect(s.since['down-in-window']).toBe(new Date(T0 + 10 * MIN).toISOString());
    expect(s.since['up-in-region']).toBe(new Date(T0 + 20 * MIN).toISOString());
    expect(s.one).toBe('MAINTENANCE');
    expect(s.up).toEqual([
      'timmy_node_up{node="down-in-window",operator="alice",region="eu",state="MAINTENANCE"} 0',
      'timmy_node_up{node="never-reported",operator="",region="us",state="UNKNOWN"} 0',
      'timmy_node_up{node="up-in-region",operator="bob",region="us",state="MAINTENANCE"} 0',
      'timmy_node_up{node="up-outside",operator="bob",region="ap",state="UP"} 1',
    ]);
    expect(s.fleet).toEqual([
      'timmy_fleet_nodes{state="DOWN"} 0',
      'timmy_fleet_nodes{state="MAINTENANCE"} 2',
      'timmy_fleet_nodes{state="UNKNOWN"} 1',
      'timmy_fleet_nodes{state="UP"} 1',
    ]);
  });

  it('is the settled state again once the window ends', async () => {
    clock.now = T0 + 45 * MIN;
    const s = await shown();
    expect(s.api).toEqual({ 'down-in-window': 'DOWN', 'up-in-region': 'MAINTENANCE', 'up-outside': 'UP', 'never-reported': null });
    clock.now = T0 + 55 * MIN;
    expect((await shown()).api['up-in-region']).toBe('UP');
  });
});
