/**
 * Alerts end to end, across real processes: collector daemon + agent + a local webhook receiver.
 * Thresholds are scaled down (node offline after 1.5 s without a heartbeat and 3 s more instead of
 * 15 s + 5 min). Kill the agent: exactly one Alertmanager-format "firing" webhook; acknowledge
 * through the signed link in it; restart the agent: exactly one "resolved" webhook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/pg.ts';
import { ADMIN, freePort, registerNode, startAgentProcess, startCollectorProcess, stop, waitFor, type Proc } from './support/processes.ts';
import { alertsConfigFile, hookReceiver, perKey, type HookReceiver } from './support/alerts.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let hook: HookReceiver;
let collector: Proc & { url: string };
let agent: (Proc & { dir: string }) | undefined;

beforeAll(async () => {
  db = await createTestDatabase('alerts_e2e', { migrated: true });
  hook = await hookReceiver();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = alertsConfigFile(hook.url, { publicUrl: url, ackLinkSecret: 'ack-link-secret-for-tests-0123456789abcdef' });
  collector = await startCollectorProcess(db.url, { TIMMY_CONFIG: config, TIMMY_PORT: String(port) });
}, 60_000);

afterAll(async () => {
  if (agent) await stop(agent, 'SIGKILL');
  if (collector) await stop(collector);
  await hook?.close();
  await db?.drop();
});

const get = async (path: string) => (await fetch(collector.url + path)).json() as Promise<any>;

describe('node offline → webhook → acknowledge link → recovery → resolved', () => {
  it('notifies once per transition with an Alertmanager v4 payload', async () => {
    const credential = await registerNode(collector.url, 'alert-node');
    agent = startAgentProcess(collector.url, credential, { intervalS: 0.5 });
    await waitFor('a heartbeat', async () => (await get('/v1/nodes/alert-node')).lastHeartbeatAt);

    await stop(agent, 'SIGKILL');
    const fired = await waitFor('the firing webhook', async () => hook.delivered().find((d) => d.transition === 'opened'), 30_000);
    const body = fired.body;
    expect(body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'timmy-fleet',
      groupLabels: { incident: 'node:alert-node:P2' },
    });
    expect(body.groupKey).toBe('{}:{incident="node:alert-node:P2"}');
    expect(body.alerts).toHaveLength(1);
    expect(body.alerts[0]).toMatchObject({
      status: 'firing',
      labels: { alertname: 'TimmyFleetIncident', severity: 'P2', node: 'alert-node' },
      endsAt: '0001-01-01T00:00:00Z',
    });
    expect(typeof body.alerts[0].fingerprint).toBe('string');
    expect(body.commonAnnotations.summary).toMatch(/alert-node offline/);

    // The incident through the API, with its history.
    const incidentId = body.commonAnnotations.incident_id as string;
    const shown = await get(`/v1/incidents/${incidentId}`);
    expect(shown.incident).toMatchObject({ status: 'open', severity: 'P2', nodes: ['alert-node'] });
    expect(shown.history.map((e: any) => e.type)).toEqual(['opened']);

    // The signed link in the notification acknowledges it (and only it).
    const ackUrl = body.commonAnnotations.ack_url as string;
    expect(ackUrl).toContain(`/v1/incidents/${incidentId}/ack?token=`);
    const forged = await fetch(ackUrl.replace(/token=[^&]+/, 'token=abc.def'));
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as any).code).toBe('FLEET_FORBIDDEN');
    // Opening the link shows a confirmation page (a previewer acknowledges nothing); its button POSTs.
    const page = await fetch(ackUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect((await get(`/v1/incidents/${incidentId}`)).incident.status).toBe('open');
    const acked = await fetch(ackUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(acked.status).toBe(200);
    expect(await acked.json()).toMatchObject({ changed: true, incident: { status: 'acknowledged', acknowledgedBy: 'ack-link:lead' } });
    await waitFor('the acknowledged notification', async () => hook.deliveredTransitions().includes('acknowledged'));

    // Recovery: the same node comes back.
    agent = startAgentProcess(collector.url, credential, { intervalS: 0.5, dir: agent.dir });
    const resolved = await waitFor('the resolved webhook', async () => hook.delivered().find((d) => d.transition === 'resolved'), 30_000);
    expect(resolved.body).toMatchObject({ status: 'resolved', alerts: [{ status: 'resolved', labels: { node: 'alert-node' } }] });
    expect(resolved.body.alerts[0].endsAt).not.toBe('0001-01-01T00:00:00Z');

    // Let a few more cycles and dispatch rounds pass: nothing else goes out.
    await waitFor(
      'the outbox to drain',
      async () =>
        (await get('/v1/notifications?status=pending')).notifications.length === 0 &&
        (await get('/v1/notifications?status=sending')).notifications.length === 0,
    );
    expect(hook.deliveredTransitions()).toEqual(['opened', 'acknowledged', 'resolved']);
    expect(Object.values(perKey(hook.delivered()))).toEqual([1, 1, 1]);

    const notifications = (await get('/v1/notifications')).notifications;
    expect(notifications.map((n: any) => `${n.transition}:${n.status}`).sort()).toEqual([
      'acknowledged:sent',
      'opened:sent',
      'resolved:sent',
    ]);
    const inc = (await get(`/v1/incidents/${incidentId}`)).incident;
    expect(inc).toMatchObject({ status: 'resolved', resolvedBy: 'auto' });
    const stats = await get('/v1/incidents/stats');
    expect(stats.bySeverity.P2).toMatchObject({ count: 1, acknowledged: 1, resolved: 1 });
    expect(stats.fleet.mttrSeconds).toBeGreaterThan(0);

    const metrics = await (await fetch(collector.url + '/metrics')).text();
    expect(metrics).toMatch(/timmy_alert_notifications_sent_total\{channel="lead"\} 3/);
    expect(metrics).toMatch(/timmy_incidents_open\{severity="P2"\} 0/);
    expect(metrics).not.toContain('ack-link-secret');

    // Admin actions need the admin token.
    const unauth = await fetch(`${collector.url}/v1/incidents/${incidentId}/ack`, { method: 'POST' });
    expect(unauth.status).toBe(401);
    const again = await fetch(`${collector.url}/v1/incidents/${incidentId}/resolve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ cause: 'x', resolution: 'y' }),
    });
    expect(again.status).toBe(409);
    expect(((await again.json()) as any).code).toBe('FLEET_CONFLICT');
  }, 120_000);
});
