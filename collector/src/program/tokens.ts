/**
 * Per-person API tokens. Format: `tfp_` + 30 random base62 characters + 6 base62 characters of the
 * CRC32 of those 30 (zero-padded), 40 characters in all:
 *
 *   tfp_0mYVj8cQz3LrT1wKe9HsPbXn5aGdUo2YoXAn
 *   └──┘└────────── random ──────────┘└crc─┘
 *
 * The prefix lets a secret scanner find a leaked token; the checksum lets it (and the collector) reject
 * a mistyped or made-up one without a lookup. 30 base62 characters are 178 bits of randomness, so the
 * stored SHA-256 needs no slow hash; it is compared in constant time. The plaintext is returned once,
 * by `issueToken`, and never stored.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Type, type Static } from '@sinclair/typebox';
import { EpochMs, Id } from '../pay/statement.ts';
import { PersonRole } from './roles.ts';

export const TOKEN_PREFIX = 'tfp_';
const RANDOM_CHARS = 30;
const CHECKSUM_CHARS = 6;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** What a secret scanner looks for (then it checks the CRC32 to drop false matches). */
export const TOKEN_PATTERN = `${TOKEN_PREFIX}[0-9A-Za-z]{${RANDOM_CHARS + CHECKSUM_CHARS}}`;
const TOKEN_RE = new RegExp(`^${TOKEN_PREFIX}([0-9A-Za-z]{${RANDOM_CHARS}})([0-9A-Za-z]{${CHECKSUM_CHARS}})$`);
/** How much of the token is kept for display (`tfp_` and 4 random characters): enough to tell tokens apart, nothing to guess with. */
const DISPLAY_CHARS = TOKEN_PREFIX.length + 4;
export const DEFAULT_TOKEN_TTL_DAYS = 90;

/** What is stored for a token: never the token itself. */
export const StoredToken = Type.Object(
  {
    /** SHA-256 of the whole token, lowercase hex: the lookup key. */
    hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    /** The token's first characters, to show in lists (`tfp_0mYV…`). */
    displayPrefix: Type.String({ maxLength: DISPLAY_CHARS }),
    personId: Id,
    role: PersonRole,
    issuedAt: EpochMs,
    expiresAt: EpochMs,
    revokedAt: Type.Union([EpochMs, Type.Null()]),
    lastUsedAt: Type.Union([EpochMs, Type.Null()]),
  },
  { additionalProperties: false },
);
export type StoredToken = Static<typeof StoredToken>;

/** `n` as base62, left-padded with `0` to `width`. */
export function base62(n: number, width: number): string {
  let out = '';
  for (let v = n; v > 0; v = Math.floor(v / 62)) out = BASE62[v % 62] + out;
  return out.padStart(width, '0');
}

/** The checksum characters of a token's random part. */
export const checksumOf = (random: string): string => base62(crc32(random), CHECKSUM_CHARS);

/** `count` uniform base62 characters (bytes of 248 and above are drawn again: no modulo bias). */
function randomBase62(count: number, bytes: (n: number) => Uint8Array): string {
  let out = '';
  while (out.length < count) for (const b of bytes(count)) if (b < 248 && out.length < count) out += BASE62[b % 62];
  return out;
}

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Constant-time equality of two hex digests (false for different lengths). */
export function hashesEqual(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

export interface IssueInput {
  personId: string;
  role: PersonRole;
  now: number;
  ttlDays?: number;
  /** The randomness (tests may pin it); defaults to node:crypto's. */
  randomBytes?: (n: number) => Uint8Array;
}

/** A new token: the plaintext (show it once) and what to store. */
export function issueToken(input: IssueInput): { token: string; stored: StoredToken } {
  const random = randomBase62(RANDOM_CHARS, input.randomBytes ?? randomBytes);
  const token = `${TOKEN_PREFIX}${random}${checksumOf(random)}`;
  const ttlMs = (input.ttlDays ?? DEFAULT_TOKEN_TTL_DAYS) * 86_400_000;
  return {
    token,
    stored: {
      hash: hashToken(token),
      displayPrefix: token.slice(0, DISPLAY_CHARS),
      personId: input.personId,
      role: input.role,
      issuedAt: input.now,
      expiresAt: input.now + ttlMs,
      revokedAt: null,
      lastUsedAt: null,
    },
  };
}

export type ParsedToken = { ok: true; hash: string } | { ok: false; code: 'bad_format' | 'bad_checksum' };

/** Check a presented token's shape and checksum; only a well-formed one gets a hash to look up. */
export function parseToken(presented: string): ParsedToken {
  const m = TOKEN_RE.exec(presented);
  if (!m) return { ok: false, code: 'bad_format' };
  if (checksumOf(m[1]!) !== m[2]) return { ok: false, code: 'bad_checksum' };
  return { ok: true, hash: hashToken(presented) };
}

export type TokenStatus = 'active' | 'expired' | 'revoked';

/** Revoked from `revokedAt` on, expired from `expiresAt` on (that instant included); revocation wins. */
export function tokenStatus(stored: Pick<StoredToken, 'expiresAt' | 'revokedAt'>, now: number): TokenStatus {
  if (stored.revokedAt !== null && now >= stored.revokedAt) return 'revoked';
  if (now >= stored.expiresAt) return 'expired';
  return 'active';
}

export type Authentication =
  | { ok: true; personId: string; role: PersonRole }
  | { ok: false; code: 'bad_format' | 'bad_checksum' | 'unknown' | 'expired' | 'revoked' };

/**
 * The whole check of a presented token against the row its hash found (`undefined`: no row). The
 * caller looks the row up by `parseToken(...).hash` and records `lastUsedAt` on success.
 */
export function authenticate(presented: string, lookup: (hash: string) => StoredToken | undefined, now: number): Authentication {
  const parsed = parseToken(presented);
  if (!parsed.ok) return parsed;
  const row = lookup(parsed.hash);
  if (!row || !hashesEqual(row.hash, parsed.hash)) return { ok: false, code: 'unknown' };
  const status = tokenStatus(row, now);
  return status === 'active' ? { ok: true, personId: row.personId, role: row.role } : { ok: false, code: status };
}
