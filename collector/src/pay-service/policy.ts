/**
 * The pay policy in force: loaded from the configured YAML file at start (every problem listed),
 * checked against the versions closed months were computed with (`policyChangeProblems`: a version
 * used by a closed month can be neither changed nor removed, and no new version may take effect in
 * a closed month), and recorded in the database so a statement can always be recomputed with the
 * version it names, even after the file moved on.
 */
import { readFileSync } from 'node:fs';
import type { Queryable } from '../stores/statements.ts';
import { loadPolicy, parsePolicy, PayPolicyError, policyChangeProblems, type PayPolicy, type PolicyVersion } from '../pay/index.ts';
import { lastClosedMonth, storedPolicyVersions, upsertPolicyVersions, type PolicyVersionRow } from '../stores/statements.ts';

/** The policy shipped with the collector (the program's default scheme). */
export const DEFAULT_POLICY_FILE = new URL('../../pay-policies/per-operator.yaml', import.meta.url);

export function readPolicyFile(file: string | URL = DEFAULT_POLICY_FILE): PayPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PayPolicyError([{ path: String(file), message: (e as Error).message }]);
  }
  return loadPolicy(text, String(file));
}

/**
 * A stored version, re-validated: rebuilt into the file's form and parsed again, so a definition
 * altered in the database (or in an evidence bundle) no longer matches its recorded digest.
 */
export function versionFromDefinition(definition: unknown): PolicyVersion {
  const v = definition as PolicyVersion;
  const raw = {
    policy: v.policyId,
    currency: v.currency,
    versions: [
      {
        id: v.id,
        effectiveFrom: v.effectiveFrom,
        tiers: v.tiers,
        lines: v.lines.map((l) => ({
          code: l.code,
          kind: l.kind,
          ...(l.tiers ? { tiers: l.tiers } : {}),
          ...(l.label === undefined ? {} : { label: l.label }),
          ...l.params,
        })),
        ...(v.eligibility ? { eligibility: v.eligibility } : {}),
      },
    ],
  };
  const parsed = parsePolicy(raw).versions[0]!;
  if (parsed.digest !== v.digest)
    throw new PayPolicyError([
      { path: `versions.${v.id}`, message: `the stored definition has digest ${parsed.digest}, not the recorded ${v.digest}` },
    ]);
  return parsed;
}

const asPolicy = (rows: PolicyVersionRow[]): PayPolicy | null => {
  if (!rows.length) return null;
  const versions = rows.map((r) => versionFromDefinition(r.definition));
  return { id: versions[0]!.policyId, currency: versions[0]!.currency, versions };
};

/**
 * Checks the loaded policy against the closed months and records its versions. Throws
 * PayPolicyError listing every problem; the collector does not start with such a file.
 */
export async function syncPolicy(sql: Queryable, policy: PayPolicy, now: number): Promise<void> {
  const closed = await lastClosedMonth(sql);
  if (closed) {
    const prev = asPolicy(await storedPolicyVersions(sql, closed.policyId));
    if (prev) {
      const problems = policyChangeProblems(prev, policy, closed.month);
      if (problems.length) throw new PayPolicyError(problems);
    }
  }
  await upsertPolicyVersions(
    sql,
    policy.versions.map((v) => ({
      policyId: v.policyId,
      versionId: v.id,
      effectiveFrom: v.effectiveFrom,
      digest: v.digest,
      definition: v,
    })),
    new Date(now),
  );
}

/** The version a statement names, as recorded. */
export async function recordedVersion(sql: Queryable, policyId: string, versionId: string): Promise<PolicyVersion | null> {
  const row = (await storedPolicyVersions(sql, policyId)).find((r) => r.versionId === versionId);
  return row ? versionFromDefinition(row.definition) : null;
}
