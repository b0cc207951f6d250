/**
 * Signed, expiring, single-purpose acknowledge links for notifications.
 *
 * token = base64url(JSON {v, p, i, e, r}) "." base64url(HMAC-SHA256(key, "timmy-ack-link." + payload))
 *   p: the purpose ("incident.ack": the token can do nothing else), i: incident id, e: expiry (ms),
 *   r: the recipient the link was made for (the channel it was sent on), recorded with the acknowledgement.
 * Verification recomputes the MAC and compares in constant time, then checks purpose, incident
 * and expiry. Several keys may be given (the first signs, all verify) so the key can rotate.
 * Keys never appear in errors; a token grants one action on one incident until it expires.
 * Opening the link (GET) only shows a confirmation page: acknowledging takes its form's POST, so a
 * link previewer or a mail scanner that fetches the link acknowledges nothing.
 * Tokens of version 1 (before recipients were signed in) still verify, with no recipient.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ErrorCode } from '@timmy/shared';
import { AckLinkKeyError } from './errors.ts';

export const ACK_PURPOSE = 'incident.ack';
const DOMAIN = 'timmy-ack-link.';

/** Why a token does not hold. */
export type AckLinkError = Extract<
  ErrorCode,
  | 'FLEET_ACK_LINK_MALFORMED'
  | 'FLEET_ACK_LINK_BAD_SIGNATURE'
  | 'FLEET_ACK_LINK_EXPIRED'
  | 'FLEET_ACK_LINK_WRONG_PURPOSE'
  | 'FLEET_ACK_LINK_WRONG_INCIDENT'
>;

export type AckLinkResult =
  | { ok: true; incidentId: string; expiresAt: number; recipient: string | null }
  | { ok: false; code: AckLinkError };

function mac(key: string, payload: string): Buffer {
  return createHmac('sha256', key)
    .update(DOMAIN + payload)
    .digest();
}

function checkKey(key: string) {
  if (typeof key !== 'string' || Buffer.byteLength(key) < 32) throw new AckLinkKeyError();
}

export function createAckToken(opts: { incidentId: string; expiresAt: number; key: string; recipient: string; purpose?: string }): string {
  checkKey(opts.key);
  const payload = Buffer.from(
    JSON.stringify({ v: 2, p: opts.purpose ?? ACK_PURPOSE, i: opts.incidentId, e: opts.expiresAt, r: opts.recipient }),
  ).toString('base64url');
  return `${payload}.${mac(opts.key, payload).toString('base64url')}`;
}

/** Verify a token for `now`; pass `incidentId` when the route names one (the token must match it). */
export function verifyAckToken(token: unknown, keys: string | string[], now: number, incidentId?: string): AckLinkResult {
  if (typeof token !== 'string' || token.length > 2048) return { ok: false, code: 'FLEET_ACK_LINK_MALFORMED' };
  const parts = token.split('.');
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]!) || !/^[A-Za-z0-9_-]+$/.test(parts[1]!))
    return { ok: false, code: 'FLEET_ACK_LINK_MALFORMED' };
  const [payload, sig] = parts as [string, string];
  const given = Buffer.from(sig, 'base64url');
  let valid = false;
  for (const key of Array.isArray(keys) ? keys : [keys]) {
    checkKey(key);
    const want = mac(key, payload);
    // Constant time; a length mismatch is compared against itself so timing does not depend on it.
    const same = given.length === want.length ? timingSafeEqual(given, want) : (timingSafeEqual(want, want), false);
    valid = same || valid;
  }
  if (!valid) return { ok: false, code: 'FLEET_ACK_LINK_BAD_SIGNATURE' };
  let body: { v?: unknown; p?: unknown; i?: unknown; e?: unknown; r?: unknown };
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, code: 'FLEET_ACK_LINK_MALFORMED' };
  }
  if (!(body.v === 1 || (body.v === 2 && typeof body.r === 'string')) || typeof body.i !== 'string' || typeof body.e !== 'number')
    return { ok: false, code: 'FLEET_ACK_LINK_MALFORMED' };
  if (body.p !== ACK_PURPOSE) return { ok: false, code: 'FLEET_ACK_LINK_WRONG_PURPOSE' };
  if (incidentId !== undefined && body.i !== incidentId) return { ok: false, code: 'FLEET_ACK_LINK_WRONG_INCIDENT' };
  if (now >= body.e) return { ok: false, code: 'FLEET_ACK_LINK_EXPIRED' };
  return { ok: true, incidentId: body.i, expiresAt: body.e, recipient: typeof body.r === 'string' ? body.r : null };
}

/** Who an acknowledgement through a link is recorded as: the recipient the link was made for. */
export function ackLinkActor(recipient: string | null): string {
  return recipient ? `ack-link:${recipient}` : 'ack-link';
}

/** The link put in notifications: `{baseUrl}/v1/incidents/{id}/ack?token=...` (GET: a confirmation page; its form POSTs). */
export function ackUrl(baseUrl: string, incidentId: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/v1/incidents/${encodeURIComponent(incidentId)}/ack?token=${encodeURIComponent(token)}`;
}
