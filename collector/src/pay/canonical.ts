/**
 * Canonical JSON: the byte-stable form statements are stored, compared and digested in.
 * Object keys sorted (UTF-16 code unit order), no whitespace, `undefined` members left out,
 * numbers only as safe integers (money is cents, durations are seconds, ratios are strings):
 * a float, NaN or bigint is refused, so no number formatting can differ between runs.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(v: unknown, path: string): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isSafeInteger(v)) throw new TypeError(`canonical JSON holds integers only: ${path} is ${v}`);
      return Object.is(v, -0) ? '0' : String(v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((x, i) => write(x, `${path}[${i}]`)).join(',')}]`;
      const keys = Object.keys(v as object)
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${write((v as Record<string, unknown>)[k], `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot hold ${typeof v} at ${path}`);
  }
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** SHA-256 of a value's canonical JSON: the digest of evidence, statements and policy versions. */
export const digestOf = (value: unknown): string => sha256Hex(canonicalJson(value));
