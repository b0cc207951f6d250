import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  TOKEN_PATTERN,
  authenticate,
  type Authentication,
  base62,
  checksumOf,
  hashesEqual,
  hashToken,
  issueToken,
  parseToken,
  tokenStatus,
  type StoredToken,
} from './tokens.ts';

const NOW = Date.parse('2027-04-01T00:00:00Z');
const DAY = 86_400_000;
const RANDOM = 'abcdefghijABCDEFGHIJ0123456789';

/** Flip one character of a token to another base62 character. */
const flip = (token: string, i: number) => token.slice(0, i) + (token[i] === 'a' ? 'b' : 'a') + token.slice(i + 1);

describe('token format', () => {
  it('tfp_ + 30 base62 + 6 base62 of the CRC32 of the 30', () => {
    const { token } = issueToken({ personId: 'p1', role: 'operator', now: NOW });
    expect(token).toMatch(/^tfp_[0-9A-Za-z]{36}$/);
    expect(token.slice(34)).toBe(base62(crc32(token.slice(4, 34)), 6));
  });

  it.each([
    [0, 6, '000000'],
    [61, 6, '00000z'],
    [62, 6, '000010'],
    [4_294_967_295, 6, '4gfFC3'], // 4 × 62^5 + 42 × 62^4 + 41 × 62^3 + 15 × 62^2 + 12 × 62 + 3: the largest CRC32 fits in 6
  ])('base62(%i) = %s', (n, width, text) => {
    expect(base62(n, width)).toBe(text);
  });

  it('the checksum of a known random part (CRC32 worked out by node:zlib)', () => {
    expect(checksumOf(RANDOM)).toBe(base62(crc32(RANDOM), 6));
    expect(parseToken(`tfp_${RANDOM}${checksumOf(RANDOM)}`)).toEqual({ ok: true, hash: hashToken(`tfp_${RANDOM}${checksumOf(RANDOM)}`) });
  });

  it('pinned randomness gives a pinned token (bytes of 248 and above are drawn again)', () => {
    const bytes = [250, ...Array.from({ length: 29 }, (_, i) => i), 255, 61];
    let at = 0;
    const { token } = issueToken({
      personId: 'p1',
      role: 'admin',
      now: NOW,
      randomBytes: (n) => Uint8Array.from({ length: n }, () => bytes[at++ % bytes.length]!),
    });
    const random = '0123456789ABCDEFGHIJKLMNOPQRS' + 'z';
    expect(token).toBe(`tfp_${random}${checksumOf(random)}`);
  });

  it('the examples in the README and the module comment are valid tokens a scanner finds', () => {
    const readme = readFileSync(new URL('README.md', import.meta.url), 'utf8');
    const source = readFileSync(new URL('tokens.ts', import.meta.url), 'utf8');
    const found = [...`${readme}\n${source}`.matchAll(new RegExp(TOKEN_PATTERN, 'g'))].map((m) => m[0]);
    expect(found).toEqual(['tfp_0mYVj8cQz3LrT1wKe9HsPbXn5aGdUo2YoXAn', 'tfp_0mYVj8cQz3LrT1wKe9HsPbXn5aGdUo2YoXAn']);
    for (const t of found) expect(parseToken(t).ok).toBe(true);
  });

  it('issued tokens differ', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => issueToken({ personId: 'p', role: 'finance', now: NOW }).token));
    expect(tokens.size).toBe(50);
  });
});

describe('parseToken', () => {
  const good = issueToken({ personId: 'p1', role: 'operator', now: NOW }).token;

  it.each(Array.from({ length: 36 }, (_, k) => k + 4))('a flipped character at %i is caught by the checksum', (i) => {
    expect(parseToken(flip(good, i))).toEqual({ ok: false, code: 'bad_checksum' });
  });

  it.each([
    ['empty', ''],
    ['another prefix', `tfn_${good.slice(4)}`],
    ['one character short', good.slice(0, -1)],
    ['one character long', `${good}a`],
    ['not base62', `${good.slice(0, 10)}-${good.slice(11)}`],
    ['surrounding space', ` ${good}`],
    ['upper-case prefix', `TFP_${good.slice(4)}`],
  ])('%s: bad_format', (_name, text) => {
    expect(parseToken(text)).toEqual({ ok: false, code: 'bad_format' });
  });
});

describe('issueToken', () => {
  it('stores the hash, a display prefix and the expiry; never the token', () => {
    const { token, stored } = issueToken({ personId: 'p7', role: 'partner', now: NOW, ttlDays: 30 });
    expect(stored).toEqual({
      hash: hashToken(token),
      displayPrefix: token.slice(0, 8),
      personId: 'p7',
      role: 'partner',
      issuedAt: NOW,
      expiresAt: NOW + 30 * DAY,
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(JSON.stringify(stored)).not.toContain(token.slice(8));
  });

  it('expires after 90 days by default', () => {
    expect(issueToken({ personId: 'p', role: 'admin', now: NOW }).stored.expiresAt).toBe(NOW + 90 * DAY);
  });
});

describe('tokenStatus', () => {
  const row = { expiresAt: NOW + DAY, revokedAt: null };
  it.each([
    ['before expiry', row, NOW + DAY - 1, 'active'],
    ['at the expiry instant', row, NOW + DAY, 'expired'],
    ['after expiry', row, NOW + 2 * DAY, 'expired'],
    ['before a revocation takes effect', { ...row, revokedAt: NOW + 10 }, NOW + 9, 'active'],
    ['at revocation', { ...row, revokedAt: NOW + 10 }, NOW + 10, 'revoked'],
    ['revoked and expired: revoked', { ...row, revokedAt: NOW }, NOW + 3 * DAY, 'revoked'],
  ] as const)('%s: %j at %i → %s', (_name, stored, now, status) => {
    expect(tokenStatus(stored, now)).toBe(status);
  });
});

describe('hashesEqual and authenticate', () => {
  const { token, stored } = issueToken({ personId: 'p1', role: 'fleet_lead', now: NOW });
  const table = new Map<string, StoredToken>([[stored.hash, stored]]);

  it.each([
    ['same', hashToken('x'), hashToken('x'), true],
    ['different', hashToken('x'), hashToken('y'), false],
    ['different length', hashToken('x'), hashToken('x').slice(2), false],
    ['empty', '', '', false],
  ])('%s → %s', (_n, a, b, equal) => {
    expect(hashesEqual(a, b)).toBe(equal);
  });

  it.each([
    ['the issued token', token, NOW, { ok: true, personId: 'p1', role: 'fleet_lead' }, 1],
    ['a flipped character, refused before any lookup', flip(token, 12), NOW, { ok: false, code: 'bad_checksum' }, 0],
    ['a well-formed token nobody issued', `tfp_${RANDOM}${checksumOf(RANDOM)}`, NOW, { ok: false, code: 'unknown' }, 1],
    ['after expiry', token, stored.expiresAt, { ok: false, code: 'expired' }, 1],
  ] satisfies Array<[string, string, number, Authentication, number]>)('%s', (_n, presented, now, result, lookups) => {
    const looked: string[] = [];
    expect(authenticate(presented, (h) => (looked.push(h), table.get(h)), now)).toEqual(result);
    expect(looked).toHaveLength(lookups);
  });

  it('a revoked token', () => {
    const revoked = new Map([[stored.hash, { ...stored, revokedAt: NOW + 5 }]]);
    expect(authenticate(token, (h) => revoked.get(h), NOW + 5)).toEqual({ ok: false, code: 'revoked' });
  });
});
