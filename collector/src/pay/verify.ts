/**
 * Verifying a stored statement: recompute it from the stored evidence and the policy version, and
 * compare canonical JSON byte for byte. On a mismatch, say where: the first differing byte and every
 * path whose value differs (a changed amount, a different engine version, other evidence).
 */
import { canonicalJson } from './canonical.ts';
import { computeStatement } from './engine.ts';
import type { Evidence } from './evidence.ts';
import type { PolicyVersion } from './policy.ts';

export interface Difference {
  path: string;
  stored: unknown;
  recomputed: unknown;
}

export interface Verification {
  ok: boolean;
  /** Offset of the first differing byte (UTF-8) of the canonical JSON; null when identical. */
  firstDifferentByte: number | null;
  differences: Difference[];
}

export function verifyStatement(storedCanonical: string, version: PolicyVersion, evidence: Evidence, month: string): Verification {
  const recomputed = canonicalJson(computeStatement(version, evidence, month));
  if (recomputed === storedCanonical) return { ok: true, firstDifferentByte: null, differences: [] };
  const a = Buffer.from(storedCanonical, 'utf8');
  const b = Buffer.from(recomputed, 'utf8');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  let stored: unknown;
  try {
    stored = JSON.parse(storedCanonical);
  } catch {
    return {
      ok: false,
      firstDifferentByte: i,
      differences: [{ path: '(root)', stored: storedCanonical, recomputed: JSON.parse(recomputed) }],
    };
  }
  return { ok: false, firstDifferentByte: i, differences: diff(stored, JSON.parse(recomputed), '') };
}

/** Every path whose value differs between two JSON values (`stored` is x, `recomputed` y). */
export function diff(x: unknown, y: unknown, path = ''): Difference[] {
  const here = path || '(root)';
  if (Array.isArray(x) && Array.isArray(y)) {
    const out: Difference[] = x.length === y.length ? [] : [{ path: `${here}.length`, stored: x.length, recomputed: y.length }];
    for (let i = 0; i < Math.min(x.length, y.length); i++) out.push(...diff(x[i], y[i], `${path}[${i}]`));
    return out;
  }
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(x) && isObject(y)) {
    const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
    return keys.flatMap((k) => diff(x[k], y[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(x) === JSON.stringify(y) ? [] : [{ path: here, stored: x, recomputed: y }];
}
