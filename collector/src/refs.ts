/** How requests name a node or an operator: all digits is an id, anything else a name. */
import { Errors } from './errors.ts';

export type Ref = { id: number; name?: undefined } | { id?: undefined; name: string };

/** Parses a reference; an id beyond what ids can be (2^53 - 1) is a bad request, not a database error. */
export function parseRef(ref: string, what: string): Ref {
  return /^\d+$/.test(ref) ? { id: parseId(ref, what) } : { name: ref };
}

/** A numeric id from a path: digits, at most 2^53 - 1 (what ids can be, and exact in JSON). */
export function parseId(digits: string, what: string): number {
  const id = Number(digits);
  if (!/^\d+$/.test(digits) || !Number.isSafeInteger(id))
    throw new Errors.BadRequest(
      `${what} id ${digits.length > 24 ? `${digits.slice(0, 24)}…` : digits} is not an id (digits, at most ${Number.MAX_SAFE_INTEGER})`,
    );
  return id;
}
