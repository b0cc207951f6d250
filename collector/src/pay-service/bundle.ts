/**
 * Re-checking statements without the collector's database: an evidence bundle holds, for each
 * statement of a month, its canonical JSON bytes as stored and the canonical JSON of the evidence it
 * was computed from, plus the policy versions they name. `verifyBundle` recomputes every statement
 * with the pay engine and compares byte for byte (what `timmy-collector statement verify --bundle`
 * runs); the database's `statement verify` runs the same `checkStatement` on the stored rows.
 * Pure: no database, no clock.
 */
import { Type, type Static } from '@sinclair/typebox';
import { checker } from '@timmy/shared';
import { diff, digestOf, sha256Hex, verifyStatement, type Difference, type OperatorEvidence, type PolicyVersion } from '../pay/index.ts';
import { versionFromDefinition } from './policy.ts';

export const BUNDLE_FORMAT = 'timmy-pay-evidence/1';

export const StoredStatement = Type.Object(
  {
    subjectKind: Type.String(),
    subjectId: Type.String(),
    month: Type.String(),
    canonical: Type.String(),
    evidence: Type.String(),
    statementDigest: Type.String(),
    evidenceDigest: Type.String(),
    policyId: Type.String(),
    policyVersion: Type.String(),
  },
  { additionalProperties: false },
);
export type StoredStatement = Static<typeof StoredStatement>;

export const EvidenceBundle = Type.Object(
  {
    format: Type.Literal(BUNDLE_FORMAT),
    month: Type.String(),
    exportedAt: Type.String(),
    policyVersions: Type.Array(Type.Unknown()),
    statements: Type.Array(StoredStatement),
  },
  { additionalProperties: false },
);
export type EvidenceBundle = Static<typeof EvidenceBundle>;

export interface StatementCheck {
  subjectKind: string;
  subjectId: string;
  ok: boolean;
  /** SHA-256 of the stored bytes equals the recorded statement digest. */
  statementDigestOk: boolean;
  /** SHA-256 of the stored evidence equals the recorded evidence digest (and the statement's). */
  evidenceDigestOk: boolean;
  /** Offset of the first byte where the recomputed statement differs (null: identical). */
  firstDifferentByte: number | null;
  differences: Difference[];
  /** Why it could not be recomputed at all (an unknown policy version, unreadable evidence). */
  error?: string;
}

export interface MonthVerification {
  month: string;
  ok: boolean;
  statements: number;
  failed: StatementCheck[];
  /**
   * Nodes whose evidence read again from the database differs from what the close stored (an interval
   * rewritten, a late sample settled, a row edited by hand): the closed statements stand, but the
   * database no longer says what they were computed from. Only a verification against the database
   * can tell; an offline bundle carries no second copy.
   */
  changedSinceClose?: NodeChange[];
}

/** One node of one operator's statement whose evidence changed since the close. */
export interface NodeChange {
  operator: string;
  node: string;
  /** SHA-256 of the node's canonical evidence as stored, and as read now (null: the node is missing there). */
  storedDigest: string | null;
  currentDigest: string | null;
  /** Every field that differs (`stored` as closed, `recomputed` as read now). */
  differences: Difference[];
}

/**
 * Compare each operator statement's stored node evidence with the same evidence read again (per
 * operator name); a node whose canonical digest differs is listed with every differing field. Only
 * nodes are compared: an operator's tier or last active day changes with time and is the statement's
 * own record, not evidence that could be rewritten.
 */
export function nodeChanges(stored: readonly StoredStatement[], current: ReadonlyMap<string, OperatorEvidence>): NodeChange[] {
  const out: NodeChange[] = [];
  for (const s of stored) {
    if (s.subjectKind !== 'operator') continue;
    const then = (JSON.parse(s.evidence) as OperatorEvidence).nodes ?? [];
    const now = current.get(s.subjectId)?.nodes ?? [];
    const names = [...new Set([...then.map((n) => n.nodeId), ...now.map((n) => n.nodeId)])].sort();
    for (const name of names) {
      const a = then.find((n) => n.nodeId === name);
      const b = now.find((n) => n.nodeId === name);
      const storedDigest = a ? digestOf(a) : null;
      const currentDigest = b ? digestOf(b) : null;
      if (storedDigest !== currentDigest)
        out.push({ operator: s.subjectId, node: name, storedDigest, currentDigest, differences: diff(a ?? null, b ?? null) });
    }
  }
  return out;
}

/** Recompute one stored statement from its stored evidence with the version it names. */
export function checkStatement(s: StoredStatement, version: PolicyVersion | undefined): StatementCheck {
  const head = { subjectKind: s.subjectKind, subjectId: s.subjectId };
  const statementDigestOk = sha256Hex(s.canonical) === s.statementDigest;
  const fail = (error: string): StatementCheck => ({
    ...head,
    ok: false,
    statementDigestOk,
    evidenceDigestOk: false,
    firstDifferentByte: 0,
    differences: [],
    error,
  });
  if (!version) return fail(`policy ${s.policyId} version ${s.policyVersion} is not recorded`);
  let evidence: unknown;
  try {
    evidence = JSON.parse(s.evidence);
  } catch (e) {
    return fail(`the stored evidence is not JSON: ${(e as Error).message}`);
  }
  const evidenceDigestOk = sha256Hex(s.evidence) === s.evidenceDigest && digestOf(evidence) === s.evidenceDigest;
  try {
    const v = verifyStatement(s.canonical, version, evidence as Parameters<typeof verifyStatement>[2], s.month);
    return {
      ...head,
      ok: v.ok && statementDigestOk && evidenceDigestOk,
      statementDigestOk,
      evidenceDigestOk,
      firstDifferentByte: v.firstDifferentByte,
      differences: v.differences,
    };
  } catch (e) {
    return { ...fail((e as Error).message), evidenceDigestOk };
  }
}

/** Every statement of a set, each with the version it names. */
export function checkStatements(month: string, items: readonly StoredStatement[], versions: readonly PolicyVersion[]): MonthVerification {
  const find = (s: StoredStatement) => versions.find((v) => v.policyId === s.policyId && v.id === s.policyVersion);
  const checks = items.map((s) => checkStatement(s, find(s)));
  const failed = checks.filter((c) => !c.ok);
  return { month, ok: failed.length === 0, statements: checks.length, failed };
}

const bundleShape = checker(EvidenceBundle);

/** Verify an exported bundle (parsed JSON). Throws on a file that is not a bundle. */
export function verifyBundle(raw: unknown): MonthVerification {
  const problems = bundleShape.problems(raw, 10);
  if (problems.length)
    throw Object.assign(
      new Error(`not an evidence bundle (${BUNDLE_FORMAT}): ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`),
      {
        code: 'FLEET_BAD_REQUEST',
      },
    );
  const bundle = raw as EvidenceBundle;
  return checkStatements(bundle.month, bundle.statements, bundle.policyVersions.map(versionFromDefinition));
}
