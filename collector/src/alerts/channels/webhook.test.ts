import { createHmac, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { createChannels } from './registry.ts';
import { alertmanagerPayload } from './webhook.ts';
import { replyJson, sampleNotification, startReceiver, T0, type Receiver } from './testing.ts';

/** Alertmanager's published webhook payload (webhook_config, version 4). */
const KV = Type.Record(Type.String(), Type.String());
const RFC3339 = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$' });
const AlertmanagerV4 = Type.Object(
  {
    version: Type.Literal('4'),
    groupKey: Type.String(),
    truncatedAlerts: Type.Integer({ minimum: 0 }),
    status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
    receiver: Type.String(),
    groupLabels: KV,
    commonLabels: KV,
    commonAnnotations: KV,
    externalURL: Type.String(),
    alerts: Type.Array(
      Type.Object(
        {
          status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
          labels: KV,
          annotations: KV,
          startsAt: RFC3339,
          endsAt: RFC3339,
          generatorURL: Type.String(),
          fingerprint: Type.String({ minLength: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

let rx: Receiver;
afterEach(async () => rx?.close());

const SECRET = 'hmac-secret-0123456789abcdef';

describe('webhook channel (Alertmanager v4)', () => {
  it('posts a valid v4 payload with an HMAC signature the receiver can verify', async () => {
    rx = await startReceiver((_q, res) => replyJson(res, 200, { ok: true }));
    const ch = createChannels(
      [{ type: 'webhook', name: 'am', url: `${rx.url}/hook`, hmacSecret: SECRET, externalUrl: 'https://fleet.example' }],
      { now: () => T0 },
    ).get('am')!;
    const r = await ch.send(sampleNotification());
    expect(r).toEqual({ ok: true, status: 200 });
    expect(rx.requests).toHaveLength(1);
    const req = rx.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/hook');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['idempotency-key']).toBe('inc-1/opened/ch');
    expect([...Value.Errors(AlertmanagerV4, req.body)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
    const body = req.body as any;
    expect(body.status).toBe('firing');
    expect(body.alerts).toHaveLength(3);
    expect(body.alerts.map((a: any) => a.labels.node)).toEqual(['eu-0', 'eu-1', 'eu-2']);
    expect(body.alerts[0].endsAt).toBe('0001-01-01T00:00:00Z');
    expect(body.commonLabels).toEqual({ alertname: 'TimmyFleetIncident', severity: 'P1', incident: 'region:eu:P1', region: 'eu' });
    expect(new Set(body.alerts.map((a: any) => a.fingerprint)).size).toBe(3);

    const sig = String(req.headers['x-timmy-signature']);
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(T0 / 1000);
    const expected = createHmac('sha256', SECRET).update(`${m![1]}.${req.raw}`).digest();
    expect(timingSafeEqual(expected, Buffer.from(m![2]!, 'hex'))).toBe(true);
    // The secret itself never travels.
    expect(JSON.stringify(req.headers) + req.raw).not.toContain(SECRET);
  });

  it('resolved: status resolved with endsAt; maxAlerts truncates and counts', async () => {
    rx = await startReceiver((_q, res) => replyJson(res, 200, {}));
    const ch = createChannels([{ type: 'webhook', name: 'am', url: rx.url, maxAlerts: 2 }]).get('am')!;
    await ch.send(sampleNotification({ transition: 'resolved', resolvedAt: T0 + 600_000, at: T0 + 600_000 }));
    const body = rx.requests[0]!.body as any;
    expect(Value.Check(AlertmanagerV4, body)).toBe(true);
    expect(body.status).toBe('resolved');
    expect(body.alerts.every((a: any) => a.status === 'resolved' && a.endsAt === new Date(T0 + 600_000).toISOString())).toBe(true);
    expect(body.alerts).toHaveLength(2);
    expect(body.truncatedAlerts).toBe(1);
    expect(rx.requests[0]!.headers['x-timmy-signature']).toBeUndefined();
  });

  it('a region incident (coverage at risk: no node, no operator) is one alert labelled with its region', () => {
    const n = sampleNotification({ incidentKey: 'region:eu:P3', severity: 'P3', nodes: [], operatorIds: [], regions: ['eu'] });
    const body = alertmanagerPayload(n, { receiver: 'am', externalUrl: '', maxAlerts: 0 });
    expect(Value.Check(AlertmanagerV4, body)).toBe(true);
    expect(body.alerts.map((a) => a.labels)).toEqual([
      { alertname: 'TimmyFleetIncident', severity: 'P3', incident: 'region:eu:P3', region: 'eu' },
    ]);
  });

  it.each([
    { status: 500, want: { ok: false, retryable: true, status: 500 } },
    { status: 503, headers: { 'retry-after': '7' }, want: { ok: false, retryable: true, status: 503, retryAfterMs: 7000 } },
    { status: 429, want: { ok: false, retryable: true, status: 429 } },
    { status: 400, want: { ok: false, retryable: false, status: 400 } },
    { status: 404, want: { ok: false, retryable: false, status: 404 } },
    { status: 204, want: { ok: true, status: 204 } },
  ])('answer $status -> $want', async ({ status, headers, want }) => {
    rx = await startReceiver((_q, res) => {
      res.writeHead(status, headers ?? {});
      res.end();
    });
    const ch = createChannels([{ type: 'webhook', name: 'am', url: `${rx.url}/x?token=sekrit-in-url` }]).get('am')!;
    const r = await ch.send(sampleNotification());
    expect(r).toMatchObject(want);
    expect(JSON.stringify(r)).not.toContain('sekrit-in-url');
  });

  it('network failure is retryable and does not leak the URL', async () => {
    rx = await startReceiver();
    const url = `${rx.url}/x?token=sekrit-in-url`;
    await rx.close();
    const ch = createChannels([{ type: 'webhook', name: 'am', url }]).get('am')!;
    const r = await ch.send(sampleNotification());
    expect(r).toMatchObject({ ok: false, retryable: true });
    expect(JSON.stringify(r)).not.toContain('sekrit');
    expect(JSON.stringify(r)).not.toContain('127.0.0.1');
  });
});
