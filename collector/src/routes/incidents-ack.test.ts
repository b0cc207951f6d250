/**
 * The acknowledge link in notifications, in process on a real database: opening it (GET, what a link
 * previewer does) shows a confirmation page and changes nothing; its form's POST acknowledges, recorded
 * as the recipient the link was made for; a tampered or expired link is refused with a FLEET_* code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, nodeOfflineAlerts, reportThenFallSilent, testCollector } from '../../../test/support/harness.ts';

const ADMIN = 'admin-token-for-tests-0123456789';
const T0 = Math.floor(Date.now() / 1000) * 1000;
const clock = new ManualClock(T0);
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
const auth = { authorization: `Bearer ${ADMIN}` };

beforeAll(async () => {
  db = await createTestDatabase('ack_link', { migrated: true });
  const alerts = nodeOfflineAlerts({
    ackLinkSecret: 'ack-link-secret-for-tests-0123456789abcdef',
    ackLinkTtlH: 1,
    channels: [
      { type: 'webhook', name: 'lead', url: 'http://127.0.0.1:9/lead' },
      { type: 'webhook', name: 'operator-a', url: 'http://127.0.0.1:9/op' },
    ],
    routing: { default: ['lead', 'operator-a'] },
  });
  c = await testCollector(db.url, clock, { alerts, anonymousRead: false, publicUrl: 'https://fleet.example' });
  await c.services.observation.open();
  const { token } = await c.register('link-node', { operator: 'op-a', region: 'eu' });
  expect(await reportThenFallSilent(c, clock, token, 90)).toBe(200); // offline: an incident, notified on both channels
});
afterAll(async () => {
  await c?.close();
  await db?.drop();
});

const links = async () => {
  const rows = await c.database.sql`select channel, payload from alert_notifications where transition = 'opened' order by channel`;
  return Object.fromEntries(rows.map((r) => [r.channel as string, new URL((r.payload as { ackUrl: string }).ackUrl)]));
};
const incident = async (id: string) => (await c.app.inject({ method: 'GET', url: `/v1/incidents/${id}`, headers: auth })).json() as any;
const path = (u: URL) => u.pathname + u.search;

describe('acknowledge link', () => {
  it('GET shows a confirmation page and changes nothing; tampered or expired links are refused; POST acknowledges as the recipient', async () => {
    const byChannel = await links();
    expect(Object.keys(byChannel)).toEqual(['lead', 'operator-a']);
    // One link per recipient.
    expect(byChannel.lead!.searchParams.get('token')).not.toBe(byChannel['operator-a']!.searchParams.get('token'));
    const link = byChannel['operator-a']!;
    const id = decodeURIComponent(link.pathname.split('/')[3]!);

    const page = await c.app.inject({ method: 'GET', url: path(link) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<form method="post"');
    expect(page.body).toContain('operator-a');
    // Opened twice (a previewer, then the person): still open, no acknowledgement in its history.
    await c.app.inject({ method: 'GET', url: path(link) });
    const untouched = await incident(id);
    expect(untouched.incident.status).toBe('open');
    expect(untouched.history.map((e: any) => e.type)).toEqual(['opened']);

    // A token whose payload was changed (another recipient) or forged: refused, with a code.
    const [payload, sig] = link.searchParams.get('token')!.split('.');
    const other = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const tampered = `${Buffer.from(JSON.stringify({ ...other, r: 'lead' })).toString('base64url')}.${sig}`;
    for (const method of ['GET', 'POST'] as const) {
      const r = await c.app.inject({ method, url: `${link.pathname}?token=${encodeURIComponent(tampered)}` });
      expect(r.statusCode).toBe(403);
      expect(r.json()).toMatchObject({ code: 'FLEET_FORBIDDEN', message: expect.stringContaining('ACK_LINK_BAD_SIGNATURE') });
    }
    // Expired (the links live an hour here).
    const now = clock.now;
    clock.now = now + 2 * 3_600_000;
    const expired = await c.app.inject({ method: 'POST', url: path(link) });
    clock.now = now;
    expect(expired.statusCode).toBe(403);
    expect(expired.json()).toMatchObject({ code: 'FLEET_FORBIDDEN', message: expect.stringContaining('ACK_LINK_EXPIRED') });
    expect((await incident(id)).incident.status).toBe('open');

    // The page's button: a form POST to the same URL.
    const ack = await c.app.inject({
      method: 'POST',
      url: path(link),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ changed: true, incident: { status: 'acknowledged', acknowledgedBy: 'ack-link:operator-a' } });
    const after = await incident(id);
    expect(after.history.map((e: any) => [e.type, e.actor])).toEqual([
      ['opened', null],
      ['acknowledged', 'ack-link:operator-a'],
    ]);
    // Without a token the POST still wants the admin token.
    expect((await c.app.inject({ method: 'POST', url: link.pathname })).statusCode).toBe(401);
    // Opened again: the page says there is nothing left to do.
    expect((await c.app.inject({ method: 'GET', url: path(link) })).body).toContain('acknowledged by ack-link:operator-a');
  });
});
