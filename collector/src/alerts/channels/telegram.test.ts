import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { createChannels } from './registry.ts';
import { replyJson, sampleNotification, startReceiver, type Receiver } from './testing.ts';

/** Telegram Bot API sendMessage parameters (subset used). */
const SendMessage = Type.Object(
  {
    chat_id: Type.Union([Type.Integer(), Type.String({ pattern: '^@|^-?\\d+$' })]),
    text: Type.String({ minLength: 1, maxLength: 4096 }),
    link_preview_options: Type.Optional(Type.Object({ is_disabled: Type.Boolean() }, { additionalProperties: false })),
    disable_notification: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const TOKEN = '123456:ABC-DEF_secretpart';
let rx: Receiver;
afterEach(async () => rx?.close());

describe('telegram channel', () => {
  it('calls /bot<token>/sendMessage with valid parameters', async () => {
    rx = await startReceiver((_q, res) =>
      replyJson(res, 200, { ok: true, result: { message_id: 42, chat: { id: -100123, type: 'supergroup' }, date: 1, text: 'x' } }),
    );
    const ch = createChannels([{ type: 'telegram', name: 't', botToken: TOKEN, chatId: -100123, apiBaseUrl: `${rx.url}/` }]).get('t')!;
    const r = await ch.send(sampleNotification({ summary: 'y'.repeat(6000) }));
    expect(r).toEqual({ ok: true, status: 200 });
    const req = rx.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/bot${TOKEN}/sendMessage`);
    expect([...Value.Errors(SendMessage, req.body)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
    expect((req.body as any).text.startsWith('[P1] OPEN: region:eu:P1\n')).toBe(true);
  });

  it.each([
    {
      name: 'ok:false on 200 is a permanent failure',
      status: 200,
      body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' },
      want: { ok: false, retryable: false },
    },
    {
      name: '429 retry_after honoured',
      status: 429,
      body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } },
      want: { ok: false, retryable: true, retryAfterMs: 3000 },
    },
    {
      name: '403 bot blocked is permanent',
      status: 403,
      body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
      want: { ok: false, retryable: false },
    },
    { name: '502 retries', status: 502, body: {}, want: { ok: false, retryable: true } },
  ])('$name; the token never appears in the result', async ({ status, body, want }) => {
    rx = await startReceiver((_q, res) => replyJson(res, status, body));
    const ch = createChannels([{ type: 'telegram', name: 't', botToken: TOKEN, chatId: '@fleet_alerts', apiBaseUrl: rx.url }]).get('t')!;
    const r = await ch.send(sampleNotification());
    expect(r).toMatchObject(want);
    expect(JSON.stringify(r)).not.toContain('secretpart');
  });
});
