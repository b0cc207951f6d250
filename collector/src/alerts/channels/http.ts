/**
 * The one HTTP POST every channel uses (undici). Maps the answer to a DeliveryResult:
 * 2xx delivered; 408/425/429/5xx and network errors retry (Retry-After honoured); other 4xx are
 * permanent. Errors carry the status or the network error code only: never the URL (Slack, Discord
 * and Telegram URLs contain their secret) nor the request.
 */
import { parseRetryAfter } from '@timmy/shared';
import type { DeliveryResult } from './channel.ts';

export interface PostOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Reads a service-specific retry hint from a non-2xx body (ms), e.g. Telegram's retry_after. */
  retryAfterFromBody?: (body: unknown) => number | undefined;
  /** A 2xx whose body says it failed (Telegram `ok: false`). */
  okFromBody?: (body: unknown) => boolean;
}

const RETRYABLE = new Set([408, 425, 429]);
const MAX_BODY = 64 * 1024;

export async function postJson(url: string, body: unknown, opts: PostOptions = {}): Promise<DeliveryResult> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
  let status: number;
  let text = '';
  let headers: Record<string, string | string[] | undefined>;
  try {
    // Loaded at the first send: config validation and the CLI load the channels without sending.
    const { request } = await import('undici');
    const res = await request(url, {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json', 'user-agent': 'timmy-fleet-collector', ...opts.headers },
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    status = res.statusCode;
    headers = res.headers;
    // Read a bounded amount of the answer (for service-level ok flags and retry hints).
    for await (const chunk of res.body) {
      if (text.length < MAX_BODY) text += chunk.toString();
    }
  } catch (e) {
    const err = e as { code?: string; name?: string };
    const code = err.code ?? (err.name === 'TimeoutError' || err.name === 'AbortError' ? 'TIMEOUT' : 'NETWORK_ERROR');
    return { ok: false, retryable: true, error: `network: ${code}` };
  }
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (status >= 200 && status < 300) {
    if (opts.okFromBody && !opts.okFromBody(parsed))
      return { ok: false, retryable: false, status, error: `HTTP ${status}: service answered not ok` };
    return { ok: true, status };
  }
  const retryable = status >= 500 || RETRYABLE.has(status);
  const retryAfterMs = parseRetryAfter(headers['retry-after'], Date.now()) ?? opts.retryAfterFromBody?.(parsed);
  return { ok: false, retryable, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), error: `HTTP ${status}` };
}
