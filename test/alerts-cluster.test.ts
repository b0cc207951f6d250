/**
 * (d) Two collector processes on one database: the alert cycle runs in one at a time (advisory
 * lock), both dispatch (SKIP LOCKED claim): each notification reaches the receiver once.
 * (e) A collector restart does not page: the collector is killed for longer than node-offline's
 * grace + `for`, the agent keeps running; after the restart node-offline waits the restart grace,
 * the agent reconnects, and no incident is opened (the outage was UNKNOWN time, not downtime).
 */
import { describe, it } from 'vitest';
import { freePort, registerNode, stop, waitFor } from './support/processes.ts';
import { alertScenario, perKey } from './support/alerts.ts';

const json = async (url: string) => (await fetch(url)).json() as Promise<any>;

// The two cases run side by side (each its own database, receiver and processes; most of each is
// waiting on thresholds and restarts), each releasing its own scenario when it ends.
describe('collectors and alerting', { concurrent: true }, () => {
  it('(d) two collectors on one database: each notification goes out once', async ({ expect, onTestFinished }) => {
    const s = await alertScenario('alerts_two', {}, {}, { migrated: true });
    onTestFinished(() => s.release().catch(() => {}));
    const hook = s.hook;
    const [a, b] = await Promise.all([s.startCollector(), s.startCollector()]);
    const agents = [];
    for (const name of ['two-a', 'two-b', 'two-c']) {
      const cred = await registerNode(a.url, name);
      const agent = s.startAgent(name === 'two-b' ? b.url : a.url, cred);
      agents.push({ name, cred, agent, url: name === 'two-b' ? b.url : a.url });
    }
    for (const x of agents) await waitFor(`heartbeat ${x.name}`, async () => (await json(`${a.url}/v1/nodes/${x.name}`)).lastHeartbeatAt);
    // Two of three nodes die (a P2, then a P1 for the region that absorbs it, or a P1 at once), then recover.
    await stop(agents[0]!.agent, 'SIGKILL');
    await stop(agents[1]!.agent, 'SIGKILL');
    await waitFor('an opened notification', async () => hook.deliveredTransitions().includes('opened'), 30_000);
    for (const x of agents.slice(0, 2)) s.startAgent(x.url, x.cred, x.agent.dir);
    await waitFor('the resolved notification', async () => hook.deliveredTransitions().includes('resolved'), 30_000);
    // Incidents first, then notifications: a resolution and its notification are written in one
    // transaction, so with no unresolved incident read first, the notifications read after include it
    // (read the other way round, an incident resolved between the two reads left its notification out).
    const settled = async () => {
      const open = (await json(`${a.url}/v1/incidents?status=unresolved`)).incidents as any[];
      const ns = (await json(`${a.url}/v1/notifications`)).notifications as any[];
      return open.length === 0 && ns.length > 0 && ns.every((n) => n.status === 'sent') ? ns : undefined;
    };
    const ns = await waitFor('every notification sent', settled);
    await new Promise((r) => setTimeout(r, 1500));
    const counts = perKey(hook.delivered());
    expect(Object.values(counts).every((c) => c === 1)).toBe(true);
    expect(Object.keys(counts).sort()).toEqual(ns.map((n: any) => n.idempotencyKey).sort());
    expect(hook.deliveredTransitions().filter((t) => t === 'opened').length).toBe(
      hook.deliveredTransitions().filter((t) => t === 'resolved').length,
    );
  }, 120_000);

  it('(e) a collector restart longer than grace + for does not page', async ({ expect, onTestFinished }) => {
    const port = await freePort();
    // Restart grace 45 s: an agent's backoff is drawn at random after each failed push (uniform up to 1, 2,
    // 4, 8, 16, 32 s by default; the agents here stop at 2 s, AGENT_RETRY_MAX_S), so the reconnect comes
    // after the collector's start, which on a loaded CI machine can itself take tens of seconds (with the
    // default backoff the reconnect came 25-30 s after the restart, and a 20 s grace paged now and then).
    // Offline grace 3 s (not 1.5 s): a loaded CI machine can delay a 0.5 s heartbeat by a second or two,
    // and that would be a real page, not the restart this test is about.
    const s = await alertScenario(
      'alerts_restart',
      { restartGraceMs: 45_000, graceMs: 3000 },
      { TIMMY_PORT: String(port) },
      { migrated: true },
    );
    onTestFinished(() => s.release().catch(() => {}));
    const hook = s.hook;
    let collector = await s.startCollector();
    const cred = await registerNode(collector.url, 'steady-node');
    s.startAgent(collector.url, cred);
    await waitFor('a heartbeat', async () => (await json(`${collector.url}/v1/nodes/steady-node`)).lastHeartbeatAt);

    await stop(collector, 'SIGKILL');
    const downAt = Date.now();
    // Down for longer than node-offline's grace (3 s) + for (3 s).
    await new Promise((r) => setTimeout(r, 8000));
    const restartAt = Date.now();
    collector = await s.startCollector();
    const listeningS = ((Date.now() - restartAt) / 1000).toFixed(1);
    const back = await waitFor(
      'the agent to reconnect',
      async () => {
        const n = await json(`${collector.url}/v1/nodes/steady-node`);
        return n.lastHeartbeatAt && Date.parse(n.lastHeartbeatAt) > downAt + 8000 ? n : undefined;
      },
      60_000,
    );
    expect(back.lastHeartbeatAt).toBeTruthy();
    // The node was offline from the kill until it reconnected: that whole stretch, and a few cycles after
    // (the test's cycles run every 0.25 s), has paged nobody. From then on its heartbeats keep it online.
    // How close the reconnect came to the restart grace (45 s), printed: the agent's backoff is random.
    process.stdout.write(
      `(e) the agent reconnected ${((Date.now() - restartAt) / 1000).toFixed(1)} s after the restart began (the collector listened after ${listeningS} s)\n`,
    );
    expect(Date.now() - restartAt).toBeLessThan(45_000);
    await new Promise((r) => setTimeout(r, 3000));
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(metrics).toMatch(/timmy_incidents_open\{severity="P2"\} 0/);
    expect((await json(`${collector.url}/v1/incidents`)).incidents).toEqual([]);
    expect(hook.requests).toHaveLength(0);
  }, 120_000);
});
