import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ackUrl, createAckToken, verifyAckToken } from './ack-link.ts';
import { AckLinkKeyError } from './errors.ts';

const KEY = 'k'.repeat(32) + '-ack-link-key';
const OLD = 'o'.repeat(40);
const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);
const HOUR = 3_600_000;
const token = createAckToken({ incidentId: 'inc-1', expiresAt: T0 + HOUR, key: KEY, recipient: 'lead-webhook' });

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const forge = (payload: unknown, key = KEY) => {
  const p = b64(payload);
  return `${p}.${createHmac('sha256', key)
    .update('timmy-ack-link.' + p)
    .digest('base64url')}`;
};

describe('ack links', () => {
  it.each([
    {
      name: 'valid',
      token,
      now: T0,
      incident: 'inc-1',
      want: { ok: true, incidentId: 'inc-1', expiresAt: T0 + HOUR, recipient: 'lead-webhook' },
    },
    {
      name: 'version 1 (no recipient signed in)',
      token: forge({ v: 1, p: 'incident.ack', i: 'inc-1', e: T0 + HOUR }),
      now: T0,
      incident: 'inc-1',
      want: { ok: true, recipient: null },
    },
    {
      name: 'version 2 without its recipient',
      token: forge({ v: 2, p: 'incident.ack', i: 'inc-1', e: T0 + HOUR }),
      now: T0,
      incident: 'inc-1',
      want: { ok: false, code: 'FLEET_ACK_LINK_MALFORMED' },
    },
    {
      name: 'tampered recipient',
      token: b64({ v: 2, p: 'incident.ack', i: 'inc-1', e: T0 + HOUR, r: 'someone-else' }) + '.' + token.split('.')[1],
      now: T0,
      incident: 'inc-1',
      want: { ok: false, code: 'FLEET_ACK_LINK_BAD_SIGNATURE' },
    },
    { name: 'valid without a route incident', token, now: T0 + HOUR - 1, incident: undefined, want: { ok: true, incidentId: 'inc-1' } },
    { name: 'expired', token, now: T0 + HOUR, incident: 'inc-1', want: { ok: false, code: 'FLEET_ACK_LINK_EXPIRED' } },
    { name: 'another incident', token, now: T0, incident: 'inc-2', want: { ok: false, code: 'FLEET_ACK_LINK_WRONG_INCIDENT' } },
    {
      name: 'tampered payload',
      token: b64({ v: 1, p: 'incident.ack', i: 'inc-2', e: T0 + HOUR }) + '.' + token.split('.')[1],
      now: T0,
      incident: undefined,
      want: { ok: false, code: 'FLEET_ACK_LINK_BAD_SIGNATURE' },
    },
    {
      name: 'tampered signature',
      token: token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'),
      now: T0,
      incident: undefined,
      want: { ok: false, code: 'FLEET_ACK_LINK_BAD_SIGNATURE' },
    },
    {
      name: 'truncated signature',
      token: token.slice(0, -10),
      now: T0,
      incident: undefined,
      want: { ok: false, code: 'FLEET_ACK_LINK_BAD_SIGNATURE' },
    },
    {
      name: 'signed with another key',
      token: createAckToken({ incidentId: 'inc-1', expiresAt: T0 + HOUR, key: 'x'.repeat(32), recipient: 'lead-webhook' }),
      now: T0,
      incident: undefined,
      want: { ok: false, code: 'FLEET_ACK_LINK_BAD_SIGNATURE' },
    },
    {
      name: 'other purpose (validly signed)',
      token: forge({ v: 1, p: 'incident.resolve', i: 'inc-1', e: T0 + HOUR }),
      now: T0,
      incident: undefined,
      want: { ok: false, code: 'FLEET_ACK_LINK_WRONG_PURPOSE' },
    },
    {
      name: 'signed garbage payload',
      token: forge('not an object'),
      now: T0,
      incident: undefined,
      want: { ok: false, code: 'FLEET_ACK_LINK_MALFORMED' },
    },
    { name: 'no dot', token: 'abc', now: T0, incident: undefined, want: { ok: false, code: 'FLEET_ACK_LINK_MALFORMED' } },
    { name: 'not a string', token: 42, now: T0, incident: undefined, want: { ok: false, code: 'FLEET_ACK_LINK_MALFORMED' } },
    { name: 'bad characters', token: 'a+b.c/d', now: T0, incident: undefined, want: { ok: false, code: 'FLEET_ACK_LINK_MALFORMED' } },
  ])('$name -> $want', ({ token: t, now, incident, want }) => {
    expect(verifyAckToken(t, KEY, now, incident)).toMatchObject(want);
  });

  it('key rotation: the new key signs, the old one still verifies', () => {
    const old = createAckToken({ incidentId: 'inc-1', expiresAt: T0 + HOUR, key: OLD, recipient: 'lead-webhook' });
    expect(verifyAckToken(old, [KEY, OLD], T0)).toMatchObject({ ok: true });
    expect(verifyAckToken(old, [KEY], T0)).toMatchObject({ ok: false, code: 'FLEET_ACK_LINK_BAD_SIGNATURE' });
  });

  it('refuses short keys with a stable code, and never echoes the key', () => {
    expect(() => createAckToken({ incidentId: 'i', expiresAt: T0, key: 'short', recipient: 'r' })).toThrow(AckLinkKeyError);
    let err: unknown;
    try {
      verifyAckToken(token, 'short-secret-value', T0);
    } catch (e) {
      err = e;
    }
    expect((err as AckLinkKeyError).code).toBe('FLEET_ACK_LINK_KEY_INVALID');
    expect(String(err)).not.toContain('short-secret-value');
    expect(token).not.toContain(KEY);
  });

  it('builds the link', () => {
    expect(ackUrl('https://fleet.example/', 'inc/1', 'a.b')).toBe('https://fleet.example/v1/incidents/inc%2F1/ack?token=a.b');
  });
});
