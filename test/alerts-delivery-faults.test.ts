/**
 * Delivery under faults, across real processes. Scaled down: the receiver
 * answers 500 for a few seconds instead of 5 minutes (retries back off from 0.3 s to 1 s here
 * instead of 2 s to 10 min; the outbox gives up only after 12 hours either way).
 *
 * (b) receiver 500 for a while, then 200: exactly one delivery per idempotency key.
 * (c) kill -9 of the collector while a notification is being retried, and again while a request is
 *     in flight (the receiver never answers it), restart: still exactly one delivery (request
 *     answered 200) per key. A request in flight at the kill is re-sent after the lease (3 s here,
 *     raised to the channel's 10 s timeout + 5 s: a lease never runs out while a live sender waits);
 *     the receiver never answered it, so it is not a delivery. The one duplicate the outbox cannot
 *     prevent (receiver answered 200, process killed before marking the row sent) is not provoked
 *     here; it would show as a second 200 for the same key, which receivers drop by that key.
 */
import { type OnTestFinishedHandler, describe, it } from 'vitest';
import { registerNode, stop, waitFor } from './support/processes.ts';
import { alertScenario, perKey } from './support/alerts.ts';

/** A scenario with a collector and an agent heard from; released when the test ends (`onTestFinished`). */
async function setup(label: string, onTestFinished: (fn: OnTestFinishedHandler) => void) {
  const s = await alertScenario(label, {}, {}, { migrated: true });
  onTestFinished(() => s.release().catch(() => {}));
  const collector = await s.startCollector();
  const credential = await registerNode(collector.url, 'fault-node');
  const agent = s.startAgent(collector.url, credential);
  await waitFor('a heartbeat', async () => ((await (await fetch(`${collector.url}/v1/nodes/fault-node`)).json()) as any).lastHeartbeatAt);
  return { hook: s.hook, collector, agent, credential, startCollector: s.startCollector, startAgent: s.startAgent };
}

// The two cases run side by side: each has its own database, receiver and processes, and mostly waits
// on retries and restarts.
describe('durable outbox across real processes', { concurrent: true }, () => {
  it('(b) a receiver failing for a while, then answering: exactly one delivery per key', async ({ expect, onTestFinished }) => {
    const { hook, agent } = await setup('alerts_fail', onTestFinished);
    hook.setMode('fail');
    await stop(agent, 'SIGKILL');
    await waitFor('several failed attempts', async () => hook.answered.filter((a) => a.status === 500).length >= 4, 30_000);
    hook.setMode('ok');
    await waitFor('the delivery', async () => hook.delivered().length >= 1, 30_000);
    // A few more dispatch rounds: no second delivery of the same key.
    const failedBefore = hook.answered.filter((a) => a.status === 500).length;
    await new Promise((r) => setTimeout(r, 2000));
    expect(hook.delivered().map((d) => d.transition)).toEqual(['opened']);
    expect(Object.values(perKey(hook.delivered()))).toEqual([1]);
    // Every failed attempt carried the same key as the delivery.
    expect(new Set(hook.answered.map((a) => a.key)).size).toBe(1);
    expect(failedBefore).toBeGreaterThanOrEqual(4);
  }, 180_000); // a collector and an agent start: past 90 s at a load average of 20 on two cores

  it('(c) kill -9 of the collector mid-retry and mid-request, restart: exactly one delivery per key', async ({
    expect,
    onTestFinished,
  }) => {
    const { hook, agent, credential, startCollector, startAgent, collector } = await setup('alerts_kill', onTestFinished);
    hook.setMode('fail');
    await stop(agent, 'SIGKILL');
    await waitFor('failed attempts', async () => hook.answered.filter((a) => a.status === 500).length >= 2, 30_000);
    await stop(collector, 'SIGKILL'); // mid-retry: the row is pending with a next attempt time

    let second = await startCollector();
    await waitFor('retries from the new process', async () => hook.answered.filter((a) => a.status === 500).length >= 4, 30_000);
    hook.setMode('hang');
    const inFlight = hook.requests.length;
    await waitFor('a request in flight', async () => hook.requests.length > inFlight, 30_000);
    await stop(second, 'SIGKILL'); // mid-request: the row is 'sending' under a lease

    hook.setMode('ok');
    second = await startCollector();
    await waitFor('the delivery after the lease ran out', async () => hook.delivered().length >= 1, 60_000);
    expect(hook.delivered().map((d) => d.transition)).toEqual(['opened']);

    // Recovery still produces its resolved notification, once.
    startAgent(second.url, credential, agent.dir);
    await waitFor('the resolved delivery', async () => hook.deliveredTransitions().includes('resolved'), 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(hook.deliveredTransitions()).toEqual(['opened', 'resolved']);
    const counts = perKey(hook.delivered());
    expect(Object.keys(counts)).toHaveLength(2);
    expect(Object.values(counts)).toEqual([1, 1]);
    const notifications = ((await (await fetch(`${second.url}/v1/notifications`)).json()) as any).notifications;
    expect(notifications.map((n: any) => n.status)).toEqual(['sent', 'sent']);
    expect(notifications.find((n: any) => n.transition === 'opened').attempts).toBeGreaterThan(4);
  }, 240_000); // three collector starts: past 120 s at a load average of 20 on two cores
});
