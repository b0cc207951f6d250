/**
 * End to end, across real processes: the collector daemon on a real PostgreSQL, a real agent pushing
 * to it. Kill the agent with SIGKILL: a DOWN interval starts at its last heartbeat and the uptime falls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/pg.ts';
import { registerNode, startAgentProcess, startCollectorProcess, stop, waitFor, type Proc } from './support/processes.ts';

const INTERVAL_S = 0.5;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let collector: Proc & { url: string };
let agent: Proc;

const get = async (path: string) => {
  const res = await fetch(collector.url + path);
  return res.json() as Promise<any>;
};

beforeAll(async () => {
  db = await createTestDatabase('e2e');
  collector = await startCollectorProcess(db.url, { TIMMY_HEARTBEAT_INTERVAL_S: String(INTERVAL_S), TIMMY_RESTART_GRACE_S: '2' });
}, 60_000);

afterAll(async () => {
  if (agent) await stop(agent, 'SIGKILL');
  if (collector) await stop(collector);
  await db?.drop();
});

describe('agent → collector → uptime, across processes', () => {
  it('a killed agent gives a DOWN interval from its last heartbeat and a falling uptime', async () => {
    const credential = await registerNode(collector.url, 'e2e-node');
    agent = startAgentProcess(collector.url, credential, { intervalS: INTERVAL_S });

    const up = await waitFor('the node to be UP with an uptime figure', async () => {
      const u = await get('/v1/nodes/e2e-node/uptime');
      return u.ratio === 1 && u.upSeconds >= 3 ? u : undefined;
    });
    expect(up.downSeconds).toBe(0);
    const metrics = await (await fetch(collector.url + '/metrics')).text();
    expect(metrics).toMatch(/timmy_node_uptime_ratio\{node="e2e-node",window="30d"\} 1/);

    await stop(agent, 'SIGKILL');
    const node = await waitFor('the node to go DOWN', async () => {
      const n = await get('/v1/nodes/e2e-node');
      return n.state === 'DOWN' ? n : undefined;
    });
    const lastHeartbeat = Date.parse(node.lastHeartbeatAt);

    const after = await waitFor('a DOWN interval', async () => {
      const u = await get('/v1/nodes/e2e-node/uptime?intervals=true');
      return u.downSeconds > 1 ? u : undefined;
    });
    const down = after.intervals.filter((i: any) => i.state === 'DOWN');
    expect(down).toHaveLength(1);
    expect(down[0].cause).toBe('missed_heartbeats');
    expect(Date.parse(down[0].start)).toBe(lastHeartbeat);
    expect(down[0].evidence.lastHeartbeatAt).toBe(lastHeartbeat);
    expect(after.ratio).toBeLessThan(1);
    expect(after.ratio).toBeLessThan(up.ratio);
  }, 90_000);
});
