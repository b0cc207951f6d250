import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { createChannels } from './registry.ts';
import { replyJson, sampleNotification, startReceiver, type Receiver } from './testing.ts';

/** Discord "Execute Webhook" JSON params (subset used) with the documented limits. */
const Embed = Type.Object(
  {
    title: Type.String({ maxLength: 256 }),
    description: Type.String({ maxLength: 4096 }),
    color: Type.Integer({ minimum: 0, maximum: 0xffffff }),
    timestamp: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z$' }),
    fields: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 256 }),
          value: Type.String({ minLength: 1, maxLength: 1024 }),
          inline: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
      { maxItems: 25 },
    ),
  },
  { additionalProperties: false },
);
const ExecuteWebhook = Type.Object(
  {
    content: Type.String({ maxLength: 2000 }),
    username: Type.String({ minLength: 1, maxLength: 80 }),
    allowed_mentions: Type.Object(
      { parse: Type.Array(Type.Union([Type.Literal('roles'), Type.Literal('users'), Type.Literal('everyone')])) },
      { additionalProperties: false },
    ),
    embeds: Type.Array(Embed, { maxItems: 10 }),
  },
  { additionalProperties: false },
);

let rx: Receiver;
afterEach(async () => rx?.close());

describe('discord channel', () => {
  it('posts a valid execute-webhook payload (204 No Content is delivered), long text truncated to the limits', async () => {
    rx = await startReceiver((_q, res) => {
      res.writeHead(204);
      res.end();
    });
    const ch = createChannels([{ type: 'discord', name: 'd', url: `${rx.url}/api/webhooks/123/tok` }]).get('d')!;
    const many = Array.from({ length: 400 }, (_, i) => ({ id: `node-${i}-with-a-long-name`, operatorId: 'op', region: 'eu' }));
    const r = await ch.send(sampleNotification({ summary: 'x'.repeat(5000), nodes: many }));
    expect(r).toEqual({ ok: true, status: 204 });
    const body = rx.requests[0]!.body as any;
    expect([...Value.Errors(ExecuteWebhook, body)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
    expect(body.allowed_mentions.parse).toEqual([]);
    expect(body.embeds[0].fields.find((f: any) => f.name === 'nodes (400)')).toBeDefined();
  });

  it('resolved is green and has no acknowledge link', async () => {
    rx = await startReceiver((_q, res) => replyJson(res, 200, { id: '1' }));
    const ch = createChannels([{ type: 'discord', name: 'd', url: rx.url }]).get('d')!;
    await ch.send(sampleNotification({ transition: 'resolved', resolvedAt: 1 }));
    const body = rx.requests[0]!.body as any;
    expect(Value.Check(ExecuteWebhook, body)).toBe(true);
    expect(body.embeds[0].color).toBe(0x2eb67d);
    expect(JSON.stringify(body)).not.toContain('/ack?');
  });

  it('429 with retry_after in the body is retried after that long', async () => {
    rx = await startReceiver((_q, res) => replyJson(res, 429, { message: 'You are being rate limited.', retry_after: 1.5, global: false }));
    const ch = createChannels([{ type: 'discord', name: 'd', url: `${rx.url}/api/webhooks/123/SECRETTOKEN` }]).get('d')!;
    const r = await ch.send(sampleNotification());
    expect(r).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 1500 });
    expect(JSON.stringify(r)).not.toContain('SECRETTOKEN');
  });
});
