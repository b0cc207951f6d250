/**
 * The incidents API and the admin CLI, in process, with a hand-driven clock: a node stops reporting,
 * the alert cycle (driven by hand) opens a P2; list/filter/show, acknowledge (API), resolve by hand
 * with notes (CLI), MTTA/MTTR, the outbox view, OpenAPI, error codes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase } from './support/pg.ts';
import { ManualClock, nodeOfflineAlerts, reportThenFallSilent, testCollector } from './support/harness.ts';
import { runCli } from '../collector/src/cli.ts';

const ADMIN = 'admin-token-for-tests-0123456789';
const T0 = Math.floor(Date.now() / 1000) * 1000;
const clock = new ManualClock(T0);
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
let token: string;

beforeAll(async () => {
  db = await createTestDatabase('alerts_api', { migrated: true });
  c = await testCollector(db.url, clock, { alerts: nodeOfflineAlerts(), anonymousRead: false });
  await c.services.observation.open();
  token = (await c.register('api-node', { operator: 'op-a', region: 'eu' })).token;
});
afterAll(async () => {
  await c?.close();
  await db?.drop();
});

const auth = { authorization: `Bearer ${ADMIN}` };
const get = async (url: string) => {
  const r = await c.app.inject({ method: 'GET', url, headers: auth });
  return { status: r.statusCode, body: r.json() as any };
};

describe('incidents API and CLI', () => {
  it('opens, lists, acknowledges, resolves by hand, and reports MTTA/MTTR', async () => {
    // Silent: offline after 15 s, fires 60 s (for) after the last heartbeat; a cycle every 5 s.
    expect(await reportThenFallSilent(c, clock, token, 90)).toBe(200);
    const list = await get('/v1/incidents?status=open');
    expect(list.status).toBe(200);
    expect(list.body.incidents).toHaveLength(1);
    const inc = list.body.incidents[0];
    expect(inc).toMatchObject({ severity: 'P2', nodes: ['api-node'], operators: ['op-a'], regions: ['eu'] });
    expect((await get('/v1/incidents?severity=P1')).body.incidents).toEqual([]);
    expect((await get('/v1/incidents?operator=op-a')).body.incidents).toHaveLength(1);
    expect((await get('/v1/incidents?limit=abc')).status).toBe(400);
    expect((await get('/v1/incidents/nope')).body.code).toBe('FLEET_NOT_FOUND');
    const unauth = await c.app.inject({ method: 'GET', url: '/v1/incidents' });
    expect(unauth.statusCode).toBe(401);

    clock.advance(30_000);
    const ack = await c.app.inject({ method: 'POST', url: `/v1/incidents/${inc.id}/ack`, headers: auth });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ changed: true, incident: { status: 'acknowledged', acknowledgedBy: 'admin' } });
    const twice = await c.app.inject({ method: 'POST', url: `/v1/incidents/${inc.id}/ack?by=lead`, headers: auth });
    expect(twice.json()).toMatchObject({ changed: false });
    const noNotes = await c.app.inject({ method: 'POST', url: `/v1/incidents/${inc.id}/resolve`, headers: auth, payload: { cause: 'x' } });
    expect(noNotes.statusCode).toBe(400);
    // No signed links configured: a link is refused with a stable code.
    expect((await c.app.inject({ method: 'GET', url: `/v1/incidents/${inc.id}/ack?token=a.b` })).json().code).toBe('FLEET_FORBIDDEN');

    // The CLI, against the same database.
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
    // The CLI reads the daemon's config file (its channels and routing announce what it changes).
    const file = join(mkdtempSync(join(tmpdir(), 'timmy-cli-')), 'collector.yaml');
    writeFileSync(file, JSON.stringify({ alerts: c.config.alerts }));
    const env = { DATABASE_URL: db.url, LOG_LEVEL: 'silent', TIMMY_CONFIG: file };
    try {
      expect(await runCli(['incident', 'list'], env)).toBe(0);
      expect(out.join('\n')).toContain(inc.id);
      expect(
        await runCli(
          ['incident', 'resolve', inc.id, '--cause', 'provider outage', '--resolution', 'migrated the VPS', '--by', 'lead'],
          env,
        ),
      ).toBe(0);
      expect(await runCli(['incident', 'show', inc.id], env)).toBe(0);
      expect(out.join('\n')).toMatch(/cause: provider outage/);
      expect(await runCli(['notification', 'list'], env)).toBe(0);
      expect(out.join('\n')).toMatch(/lead\s+opened/);
    } finally {
      log.mockRestore();
    }

    const shown = (await get(`/v1/incidents/${inc.id}`)).body;
    expect(shown.incident).toMatchObject({
      status: 'resolved',
      resolvedBy: 'lead',
      cause: 'provider outage',
      resolution: 'migrated the VPS',
    });
    expect(shown.history.map((e: any) => e.type)).toEqual(['opened', 'acknowledged', 'resolved']);
    const stats = (await get(`/v1/incidents/stats?from=${new Date(T0).toISOString()}&to=${new Date(T0 + 3600_000).toISOString()}`)).body;
    expect(stats.bySeverity.P2).toMatchObject({ count: 1, acknowledged: 1, resolved: 1, mttaSeconds: 60 });
    expect(stats.byOperator['op-a'].count).toBe(1);
    const ns = (await get(`/v1/notifications?incident=${inc.id}`)).body.notifications;
    expect(ns.map((n: any) => n.transition).sort()).toEqual(['acknowledged', 'opened', 'resolved']);

    const openapi = (await c.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const p of [
      '/v1/incidents',
      '/v1/incidents/{id}',
      '/v1/incidents/{id}/ack',
      '/v1/incidents/{id}/resolve',
      '/v1/incidents/stats',
      '/v1/notifications',
    ])
      expect(openapi.paths[p]).toBeDefined();
  });
});
