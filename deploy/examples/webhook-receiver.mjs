#!/usr/bin/env node
/**
 * A minimal receiver for the collector's webhook channel (Alertmanager v4 JSON), verifying its
 * signature. Plain Node (18 or newer), no dependencies: copy it and put your own handling in `handle`.
 *
 *   TIMMY_WEBHOOK_SECRET=<the channel's hmacSecret> PORT=9099 node webhook-receiver.mjs
 *
 * Each request carries `X-Timmy-Signature: t=<unix seconds>,v1=<hex>` where
 * hex = HMAC-SHA256(hmacSecret, `${t}.${raw body}`), and `Idempotency-Key`. The receiver:
 *   1. computes the HMAC over the raw bytes it received (before any JSON parsing) and compares it in
 *      constant time: a changed body, timestamp or key fails;
 *   2. refuses a timestamp more than MAX_SKEW_S (default 300) from its clock: an old request replayed fails;
 *   3. drops a second delivery of the same Idempotency-Key (the collector may deliver twice after a crash)
 *      while still answering 2xx, so the collector stops retrying it.
 * Answers: 200 accepted (or a duplicate), 401 bad or missing signature, 400 not JSON, 413 too large.
 * A 5xx or no answer makes the collector retry with backoff; a 4xx other than 408/429 makes it give up.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const MAX_BODY = 1024 * 1024;

/** Whether `header` is a valid signature of `body` (a Buffer or string) with `secret`, made within `maxSkewS` of `nowS`. */
export function verifySignature(secret, header, body, nowS = Math.floor(Date.now() / 1000), maxSkewS = 300) {
  const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(String(header ?? '').trim());
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(nowS - t) > maxSkewS) return false;
  const want = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  return timingSafeEqual(want, Buffer.from(m[2], 'hex'));
}

export function startReceiver({ secret, port = 9099, host = '127.0.0.1', maxSkewS = 300, handle = defaultHandle } = {}) {
  if (!secret || secret.length < 16) throw new Error("TIMMY_WEBHOOK_SECRET: the channel's hmacSecret (16 characters or more) is required");
  const seen = new Set(); // Idempotency-Keys already handled (keep them in a database in a real receiver)
  const server = createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      const body = Buffer.concat(chunks);
      if (
        req.method !== 'POST' ||
        !verifySignature(secret, req.headers['x-timmy-signature'], body, Math.floor(Date.now() / 1000), maxSkewS)
      ) {
        console.log(`refused: bad or missing signature (${req.method} ${req.url})`);
        return res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad signature"}');
      }
      let payload;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        return res.writeHead(400).end();
      }
      const key = String(req.headers['idempotency-key'] ?? '');
      if (key && seen.has(key)) {
        console.log(`duplicate ${key}: already handled`);
        return res.writeHead(200).end('{"duplicate":true}');
      }
      if (key) seen.add(key);
      handle(payload, key);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

function defaultHandle(payload, key) {
  const a = payload.commonAnnotations ?? {};
  console.log(
    `accepted ${key}: ${payload.status} ${a.transition ?? ''} ${payload.commonLabels?.severity ?? ''} ${a.summary ?? ''}${a.ack_url ? ` (acknowledge: ${a.ack_url})` : ''}`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startReceiver({
    secret: process.env.TIMMY_WEBHOOK_SECRET,
    port: Number(process.env.PORT ?? 9099),
    host: process.env.HOST ?? '127.0.0.1',
    maxSkewS: Number(process.env.MAX_SKEW_S ?? 300),
  });
  const { address, port } = server.address();
  console.log(`webhook receiver listening on http://${address}:${port}/`);
  for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => server.close(() => process.exit(0)));
}
