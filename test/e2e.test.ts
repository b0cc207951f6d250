/**
 * End to end, across real processes: the collector daemon on a real PostgreSQL, a real agent pushing
 * to it. Kill the agent with SIGKILL: a DOWN interval starts at its last heartbeat and the uptime falls.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../collector/src/config.ts';
import { LISTEN_BACKLOG } from '../collector/src/runtime.ts';
import { createTestDatabase } from './support/pg.ts';
import { ROOT, registerNode, startAgentProcess, startCollectorProcess, stop, waitFor, type Proc } from './support/processes.ts';

const INTERVAL_S = 0.5;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let collector: Proc & { url: string };
let agent: Proc;

const get = async (path: string) => {
  const res = await fetch(collector.url + path);
  return res.json() as Promise<any>;
};

beforeAll(async () => {
  db = await createTestDatabase('e2e', { migrated: true });
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

  it('`timmy-fleet decommission` retires the node at the collector; its reports are refused after it', async () => {
    const credential = await registerNode(collector.url, 'e2e-retiring');
    const dir = mkdtempSync(join(tmpdir(), 'timmy-decommission-'));
    writeFileSync(join(dir, 'credential'), credential + '\n', { mode: 0o600 });
    writeFileSync(
      join(dir, 'config.yaml'),
      `collectorUrl: ${collector.url}\ncredentialFile: ${join(dir, 'credential')}\nstateDir: ${join(dir, 'state')}\nuser: root\nprobes:\n  - { type: heartbeat }\n`,
    );
    const agentCli = (args: string[]) =>
      promisify(execFile)(process.execPath, [join(ROOT, 'agent/src/cli.ts'), ...args, '--config', join(dir, 'config.yaml')]).then(
        (r) => ({ code: 0, ...r }),
        (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
      );
    const first = await agentCli(['decommission', '--reason', 'machine returned']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^node e2e-retiring decommissioned as of \d{4}-/);
    const second = await agentCli(['decommission']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('was decommissioned already');
    const report = await fetch(`${collector.url}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(report.status).toBe(410);
    expect(((await report.json()) as { code: string }).code).toBe('FLEET_NODE_DECOMMISSIONED');
    // History kept: the node and its uptime record are still there.
    expect((await fetch(`${collector.url}/v1/nodes/e2e-retiring/uptime`)).status).toBe(200);
  }, 60_000);

  it("listens with room for a whole fleet reconnecting at once (the listen backlog, not Node's 511, on each of listenSockets sockets)", async () => {
    // A listening socket's Send-Q in `ss` is its backlog, capped by the kernel at net.core.somaxconn.
    // The collector listens on listenSockets sockets of one port (collector/src/listen.ts): `ss` lists each.
    const port = new URL(collector.url).port;
    const { stdout } = await promisify(execFile)('ss', ['-Hltn', `sport = :${port}`]);
    const backlogs = stdout
      .trim()
      .split('\n')
      .map((l) => Number(l.trim().split(/\s+/)[2]));
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(backlogs.length).toBe(loadConfig({}).listenSockets);
    expect(backlogs.length).toBeGreaterThan(1);
    for (const b of backlogs) expect(b).toBe(Math.min(LISTEN_BACKLOG, somaxconn));
    expect(Math.min(LISTEN_BACKLOG, somaxconn)).toBeGreaterThan(511);
  });
});
