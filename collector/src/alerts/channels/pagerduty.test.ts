import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { createChannels } from './registry.ts';
import { replyJson, sampleNotification, startReceiver, type Receiver } from './testing.ts';

/** PagerDuty Events API v2 alert event (trigger / acknowledge / resolve). */
const Trigger = Type.Object(
  {
    routing_key: Type.String({ minLength: 1 }),
    event_action: Type.Literal('trigger'),
    dedup_key: Type.String({ minLength: 1, maxLength: 255 }),
    payload: Type.Object(
      {
        summary: Type.String({ minLength: 1, maxLength: 1024 }),
        source: Type.String({ minLength: 1 }),
        severity: Type.Union([Type.Literal('critical'), Type.Literal('error'), Type.Literal('warning'), Type.Literal('info')]),
        timestamp: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T' })),
        component: Type.Optional(Type.String()),
        group: Type.Optional(Type.String()),
        class: Type.Optional(Type.String()),
        custom_details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      },
      { additionalProperties: false },
    ),
    client: Type.Optional(Type.String()),
    client_url: Type.Optional(Type.String()),
    links: Type.Optional(
      Type.Array(Type.Object({ href: Type.String(), text: Type.Optional(Type.String()) }, { additionalProperties: false })),
    ),
    images: Type.Optional(
      Type.Array(Type.Object({ src: Type.String(), href: Type.Optional(Type.String()), alt: Type.Optional(Type.String()) })),
    ),
  },
  { additionalProperties: false },
);
const FollowUp = Type.Object(
  {
    routing_key: Type.String({ minLength: 1 }),
    event_action: Type.Union([Type.Literal('acknowledge'), Type.Literal('resolve')]),
    dedup_key: Type.String({ minLength: 1, maxLength: 255 }),
  },
  { additionalProperties: false },
);
const Event = Type.Union([Trigger, FollowUp]);

const KEY = 'R0UTINGKEY0123456789abcdefabcdef';
let rx: Receiver;
afterEach(async () => rx?.close());

describe('pagerduty channel (Events API v2)', () => {
  it('trigger, acknowledge, resolve share one dedup_key; target_missed and a scheduled report are skipped', async () => {
    rx = await startReceiver((q, res) =>
      replyJson(res, 202, { status: 'success', message: 'Event processed', dedup_key: (q.body as any).dedup_key }),
    );
    const ch = createChannels([{ type: 'pagerduty', name: 'pd', routingKey: KEY, url: `${rx.url}/v2/enqueue` }]).get('pd')!;
    for (const transition of ['opened', 'acknowledged', 'resolved', 'target_missed', 'report'] as const) {
      const r = await ch.send(sampleNotification({ transition }));
      expect(r.ok).toBe(true);
      if (transition === 'target_missed' || transition === 'report') expect(r).toEqual({ ok: true, skipped: true });
    }
    expect(rx.requests).toHaveLength(3);
    for (const q of rx.requests) {
      expect(q.path).toBe('/v2/enqueue');
      expect([...Value.Errors(Event, q.body)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
    }
    const bodies = rx.requests.map((q) => q.body as any);
    expect(bodies.map((b) => b.event_action)).toEqual(['trigger', 'acknowledge', 'resolve']);
    expect(new Set(bodies.map((b) => b.dedup_key))).toEqual(new Set(['inc-1']));
    expect(bodies[0].payload.severity).toBe('critical');
    expect(bodies[0].links).toEqual([{ href: 'https://fleet.example/v1/incidents/inc-1/ack?t=abc', text: 'Acknowledge' }]);
  });

  it.each([
    { sev: 'P0', want: 'critical' },
    { sev: 'P2', want: 'error' },
    { sev: 'P3', want: 'warning' },
  ] as const)('$sev maps to $want; single-node source is the node', async ({ sev, want }) => {
    rx = await startReceiver((_q, res) => replyJson(res, 202, { status: 'success' }));
    const ch = createChannels([{ type: 'pagerduty', name: 'pd', routingKey: KEY, url: rx.url }]).get('pd')!;
    await ch.send(sampleNotification({ severity: sev, nodes: [{ id: 'eu-7', operatorId: 'op', region: 'eu' }] }));
    const b = rx.requests[0]!.body as any;
    expect(Value.Check(Trigger, b)).toBe(true);
    expect(b.payload.severity).toBe(want);
    expect(b.payload.source).toBe('eu-7');
  });

  it.each([
    {
      status: 400,
      body: { status: 'invalid event', message: 'Event object is invalid', errors: ['Length of summary is too long'] },
      retryable: false,
    },
    { status: 429, body: {}, retryable: true },
    { status: 500, body: {}, retryable: true },
  ])('$status -> retryable $retryable, routing key not in the result', async ({ status, body, retryable }) => {
    rx = await startReceiver((_q, res) => replyJson(res, status, body));
    const ch = createChannels([{ type: 'pagerduty', name: 'pd', routingKey: KEY, url: rx.url }]).get('pd')!;
    const r = await ch.send(sampleNotification());
    expect(r).toMatchObject({ ok: false, retryable, status });
    expect(JSON.stringify(r)).not.toContain(KEY);
  });
});
