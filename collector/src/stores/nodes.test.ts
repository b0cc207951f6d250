/** The nodes store on a real database: one way to find a node by id or name, lists, decommission. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedTestDatabase } from '../../../test/support/pg.ts';
import { ensureOperator } from './operators.ts';
import { decommission, insertNode, listNodes, listSlaNodes, regionExists, resolveNode } from './nodes.ts';

let db: Awaited<ReturnType<typeof migratedTestDatabase>>;
const T0 = Date.UTC(2026, 10, 1, 12);
const ids: Record<string, number> = {};

beforeAll(async () => {
  db = await migratedTestDatabase('stores_nodes');
  const op = await ensureOperator(db.sql, 'op-n');
  await db.sql`update operators set tier = 'senior' where id = ${op}`;
  ids.alpha = (await insertNode(db.sql, { name: 'alpha', operatorId: op, region: 'eu', createdAt: T0 }))!;
  ids.beta = (await insertNode(db.sql, { name: 'beta', operatorId: null, region: null, createdAt: T0 }))!;
  ids.retired = (await insertNode(db.sql, { name: 'retired', operatorId: op, region: 'eu', createdAt: T0 }))!;
  // A node whose name is all digits is still reached by name once it is not an id that exists.
  ids.digits = (await insertNode(db.sql, { name: 'n-42', operatorId: null, region: 'us', createdAt: T0 }))!;
  await db.sql`update nodes set current_state = 'UP', state_since = ${new Date(T0 + 1000)}, last_hb_at = ${new Date(T0 + 2000)},
    failing = '["gateway"]'::jsonb, agent_version = '1.2.3', clock_skew_ms = -40 where id = ${ids.alpha!}`;
  expect(await decommission(db.sql, ids.retired!, T0 + 60_000, 'moved')).toBe(true);
});
afterAll(async () => {
  await db?.drop();
});

describe('resolveNode', () => {
  it('finds a node by name, with its operator, tier and hot state as domain values', async () => {
    expect(await resolveNode(db.sql, 'alpha')).toEqual({
      id: ids.alpha,
      name: 'alpha',
      operatorId: expect.any(Number),
      operator: 'op-n',
      tier: 'senior',
      region: 'eu',
      createdAt: T0,
      currentState: 'UP',
      stateSince: T0 + 1000,
      lastHbAt: T0 + 2000,
      failing: ['gateway'],
      agentVersion: '1.2.3',
      clockSkewMs: -40,
      decommissionedAt: null,
      decommissionReason: null,
    });
  });

  it('finds a node by numeric id, the same record as by name', async () => {
    expect(await resolveNode(db.sql, String(ids.beta))).toEqual(await resolveNode(db.sql, 'beta'));
    expect((await resolveNode(db.sql, String(ids.beta))).operator).toBeNull();
  });

  it('finds a decommissioned node (its history stays readable), with its date and reason', async () => {
    const n = await resolveNode(db.sql, 'retired');
    expect(n.decommissionedAt).toBe(T0 + 60_000);
    expect(n.decommissionReason).toBe('moved');
  });

  it('refuses an unknown name or id with FLEET_NOT_FOUND, and an id beyond 2^53 with FLEET_BAD_REQUEST', async () => {
    await expect(resolveNode(db.sql, 'nobody')).rejects.toMatchObject({ code: 'FLEET_NOT_FOUND', message: 'no node "nobody"' });
    await expect(resolveNode(db.sql, '987654')).rejects.toMatchObject({ code: 'FLEET_NOT_FOUND', message: 'no node "987654"' });
    await expect(resolveNode(db.sql, '99999999999999999999')).rejects.toMatchObject({ code: 'FLEET_BAD_REQUEST' });
  });
});

describe('node lists', () => {
  it('listNodes: every node by name, decommissioned ones included', async () => {
    expect((await listNodes(db.sql)).map((n) => n.name)).toEqual(['alpha', 'beta', 'n-42', 'retired']);
  });

  it('listSlaNodes: in service only, unless still in service after the given time; filters by operator, region, node', async () => {
    expect((await listSlaNodes(db.sql)).map((n) => n.name)).toEqual(['alpha', 'beta', 'n-42']);
    expect((await listSlaNodes(db.sql, { inServiceAfter: T0 })).map((n) => n.name)).toEqual(['alpha', 'beta', 'n-42', 'retired']);
    expect((await listSlaNodes(db.sql, { inServiceAfter: T0 + 60_000 })).map((n) => n.name)).toEqual(['alpha', 'beta', 'n-42']);
    expect((await listSlaNodes(db.sql, { region: 'eu' })).map((n) => n.name)).toEqual(['alpha']);
    expect((await listSlaNodes(db.sql, { nodeId: ids.beta! })).map((n) => n.name)).toEqual(['beta']);
    const [alpha] = await listSlaNodes(db.sql, { operatorId: (await resolveNode(db.sql, 'alpha')).operatorId! });
    expect(alpha).toEqual({
      id: ids.alpha,
      name: 'alpha',
      operatorId: expect.any(Number),
      operator: 'op-n',
      tier: 'senior',
      region: 'eu',
      currentState: 'UP',
      decommissionedAt: null,
    });
  });

  it('regionExists: a region some node is in', async () => {
    expect(await regionExists(db.sql, 'us')).toBe(true);
    expect(await regionExists(db.sql, 'mars')).toBe(false);
  });
});

describe('insertNode and decommission', () => {
  it('insertNode gives null for a name already taken', async () => {
    expect(await insertNode(db.sql, { name: 'alpha', operatorId: null, region: null, createdAt: T0 })).toBeNull();
  });

  it('decommission ends the intervals at its time and is false the second time', async () => {
    await db.sql`insert into state_intervals (node_id, state, start_at, end_at, cause, evidence) values
      (${ids.beta!}, 'UP', ${new Date(T0)}, ${new Date(T0 + 10_000)}, 'heartbeat', '{}'),
      (${ids.beta!}, 'DOWN', ${new Date(T0 + 10_000)}, null, 'missed_heartbeats', '{}'),
      (${ids.beta!}, 'UP', ${new Date(T0 + 30_000)}, null, 'heartbeat', '{}')`;
    expect(await decommission(db.sql, ids.beta!, T0 + 20_000, null)).toBe(true);
    const rows = await db.sql`select state, end_at from state_intervals where node_id = ${ids.beta!} order by start_at`;
    expect(rows.map((r) => [r.state, (r.end_at as Date).getTime()])).toEqual([
      ['UP', T0 + 10_000],
      ['DOWN', T0 + 20_000],
    ]);
    expect(await decommission(db.sql, ids.beta!, T0 + 25_000, 'again')).toBe(false);
    expect((await resolveNode(db.sql, 'beta')).decommissionedAt).toBe(T0 + 20_000);
  });
});
