import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { createChannels } from './registry.ts';
import { sampleNotification, startReceiver, type Receiver } from './testing.ts';

/** Slack incoming webhook payload: `text` (fallback) and Block Kit blocks used here. */
const Text = (type: 'plain_text' | 'mrkdwn', max: number) =>
  Type.Object(
    { type: Type.Literal(type), text: Type.String({ minLength: 1, maxLength: max }), emoji: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  );
const SlackWebhook = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: 40_000 }),
    blocks: Type.Array(
      Type.Union([
        Type.Object({ type: Type.Literal('header'), text: Text('plain_text', 150) }, { additionalProperties: false }),
        Type.Object({ type: Type.Literal('section'), text: Text('mrkdwn', 3000) }, { additionalProperties: false }),
        Type.Object(
          { type: Type.Literal('context'), elements: Type.Array(Text('mrkdwn', 3000), { minItems: 1, maxItems: 10 }) },
          { additionalProperties: false },
        ),
      ]),
      { maxItems: 50 },
    ),
  },
  { additionalProperties: false },
);

let rx: Receiver;
afterEach(async () => rx?.close());

describe('slack channel', () => {
  it('posts a valid incoming-webhook payload; Slack answers "ok"', async () => {
    rx = await startReceiver((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    const ch = createChannels([{ type: 'slack', name: 's', url: `${rx.url}/services/T000/B000/XXXX` }]).get('s')!;
    const r = await ch.send(sampleNotification({ summary: 'disk <90%> & more' }));
    expect(r).toEqual({ ok: true, status: 200 });
    const req = rx.requests[0]!;
    expect(req.path).toBe('/services/T000/B000/XXXX');
    expect([...Value.Errors(SlackWebhook, req.body)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
    const body = req.body as any;
    expect(body.text).toContain('[P1] OPEN: region:eu:P1');
    expect(body.blocks[1].text.text).toContain('disk &lt;90%&gt; &amp; more');
    expect(body.blocks[1].text.text).toContain('acknowledge: https://fleet.example/v1/incidents/inc-1/ack');
  });

  it.each([
    { status: 400, body: 'invalid_payload', retryable: false },
    { status: 410, body: 'channel_is_archived', retryable: false },
    { status: 429, body: 'rate_limited', retryable: true },
    { status: 500, body: 'oops', retryable: true },
  ])('$status $body -> retryable $retryable, URL not leaked', async ({ status, body, retryable }) => {
    rx = await startReceiver((_q, res) => {
      res.writeHead(status);
      res.end(body);
    });
    const ch = createChannels([{ type: 'slack', name: 's', url: `${rx.url}/services/T000/B000/SECRETPART` }]).get('s')!;
    const r = await ch.send(sampleNotification());
    expect(r).toMatchObject({ ok: false, retryable, status });
    expect(JSON.stringify(r)).not.toContain('SECRETPART');
  });
});
