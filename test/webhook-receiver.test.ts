/**
 * The README's webhook receiver example (deploy/examples/webhook-receiver.mjs), run as its own process,
 * fed by the collector's real webhook channel: a signed notification is accepted, a tampered one, one
 * signed with another key and an old one are refused, a second delivery of a key is answered as a duplicate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../collector/src/alerts/channels/webhook.ts';
import { createChannels } from '../collector/src/alerts/channels/registry.ts';
import { sampleNotification } from '../collector/src/alerts/channels/testing.ts';
import { ROOT, waitFor } from './support/processes.ts';

const SECRET = 'receiver-example-secret-0123456789';
let receiver: ChildProcess;
let out = '';
let url: string;

beforeAll(async () => {
  receiver = spawn(process.execPath, [join(ROOT, 'deploy/examples/webhook-receiver.mjs')], {
    env: { ...process.env, TIMMY_WEBHOOK_SECRET: SECRET, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  receiver.stdout!.on('data', (d) => (out += d));
  receiver.stderr!.on('data', (d) => (out += d));
  url = await waitFor('the receiver to listen', async () => /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1]);
});
afterAll(() => {
  receiver?.kill('SIGKILL');
});

// The channel as the collector builds it from its config (defaults applied).
const channel = (secret: string) =>
  createChannels([{ type: 'webhook', name: 'lead', url: `${url}/hook`, hmacSecret: secret }]).get('lead')!;

describe('webhook receiver example', () => {
  it('accepts what the collector signs, drops a duplicate key, refuses another key', async () => {
    const n = sampleNotification({ idempotencyKey: 'inc-1/7/lead' });
    expect(await channel(SECRET).send(n)).toMatchObject({ ok: true, status: 200 });
    await waitFor('the accepted line', async () => out.includes('accepted inc-1/7/lead: firing opened P1 region eu outage'));
    // Sent again (a redelivery after a crash): answered 2xx, handled once.
    expect(await channel(SECRET).send(n)).toMatchObject({ ok: true, status: 200 });
    await waitFor('the duplicate line', async () => out.includes('duplicate inc-1/7/lead'));
    expect(out.match(/accepted inc-1\/7\/lead/g)).toHaveLength(1);
    // Signed with another key: refused, and the collector does not retry a 401.
    expect(await channel('another-secret-0123456789abcdef').send(sampleNotification({ idempotencyKey: 'inc-1/8/lead' }))).toMatchObject({
      ok: false,
      status: 401,
      retryable: false,
    });
  });

  it('refuses a tampered body and an old signature', async () => {
    const body = JSON.stringify({ version: '4', status: 'firing', commonAnnotations: { summary: 'real' } });
    const now = Math.floor(Date.now() / 1000);
    const post = (b: string, signature: string) =>
      fetch(`${url}/hook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-timmy-signature': signature, 'idempotency-key': `k-${Math.random()}` },
        body: b,
      });
    expect((await post(body, sign(SECRET, body, now))).status).toBe(200);
    expect((await post(body.replace('real', 'forged'), sign(SECRET, body, now))).status).toBe(401);
    expect((await post(body, sign(SECRET, body, now - 3600))).status).toBe(401);
    expect((await post(body, '')).status).toBe(401);
  });
});
