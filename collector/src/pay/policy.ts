/**
 * Loading a pay policy: parse, validate (every problem, with its path), and pick the version in
 * force for a month. A closed month keeps the version that was in force: `policyFor(month)` depends
 * on the month only, and `policyChangeProblems` refuses a new file that would change any closed month.
 */
import { Value } from '@sinclair/typebox/value';
import { checker } from '@timmy/shared';
import { parseDocument } from 'yaml';
import { digestOf } from './canonical.ts';
import { PayPolicyError, pointerToPath, type Problem } from './errors.ts';
import { findKind } from './kinds/registry.ts';
import { ADJUSTMENT_CODE } from './adjustment.ts';
import { decimalString, milliPct } from './money.ts';
import { LINE_HEAD_KEYS, PolicyFile, VersionFile, type Eligibility } from './policy-schema.ts';

export interface PolicyLine {
  code: string;
  kind: string;
  tiers?: string[];
  label?: string;
  /** The kind's parameters, defaults applied. */
  params: Record<string, unknown>;
}

export interface PolicyVersion {
  policyId: string;
  currency: string;
  id: string;
  effectiveFrom: string;
  tiers: string[];
  lines: PolicyLine[];
  eligibility?: Eligibility;
  /** SHA-256 of the version's canonical JSON (after defaults): what a statement records. */
  digest: string;
}

export interface PayPolicy {
  id: string;
  currency: string;
  versions: PolicyVersion[];
}

const fileSchema = checker(PolicyFile);
const versionSchema = checker(VersionFile);

/** Parse and validate YAML text; throws PayPolicyError listing every problem. */
export function loadPolicy(text: string, source = 'policy'): PayPolicy {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length)
    throw new PayPolicyError(
      doc.errors.map((e) => ({ path: `${source}:${e.linePos?.[0]?.line ?? '?'}`, message: e.message.split('\n')[0]! })),
    );
  return parsePolicy(doc.toJS());
}

/** Validate an already parsed policy (e.g. from JSON). */
export function parsePolicy(raw: unknown): PayPolicy {
  const withDefaults = Value.Default(PolicyFile, structuredClone(raw));
  const problems = fileSchema.problems(withDefaults, 100).map((p) => ({ path: pointerToPath(p.path), message: p.message }));
  const top = (withDefaults ?? {}) as Partial<PolicyFile>;
  const rawVersions: unknown[] = Array.isArray(top.versions) ? top.versions : [];
  // Each well-formed version is checked line by line even when the top level has problems: every problem is listed.
  const ordered = rawVersions.map((v) => (versionSchema.check(v) ? v : undefined));
  const versions = ordered.flatMap((v, i) => (v ? [buildVersion(String(top.policy), String(top.currency), v, i, problems)] : []));
  ordered.forEach((v, i) => {
    if (!v) return;
    if (ordered.findIndex((w) => w?.id === v.id) !== i)
      problems.push({ path: `versions[${i}].id`, message: `version id ${v.id} is used twice` });
    const before = ordered[i - 1];
    if (before && v.effectiveFrom <= before.effectiveFrom)
      problems.push({
        path: `versions[${i}].effectiveFrom`,
        message: 'versions must be listed oldest first, each effective from a later month',
      });
  });
  if (problems.length) throw new PayPolicyError(problems);
  const file = withDefaults as PolicyFile;
  return { id: file.policy, currency: file.currency, versions: versions.map((v) => ({ ...v, digest: digestOf(pctAsText(v)) })) };
}

function buildVersion(policyId: string, currency: string, v: VersionFile, vi: number, problems: Problem[]): Omit<PolicyVersion, 'digest'> {
  const at = `versions[${vi}]`;
  const operatorCodes = v.lines.filter((l) => findKind(l.kind)?.subject === 'operator').map((l) => l.code);
  const lines: PolicyLine[] = v.lines.map((line, li) => {
    const path = `${at}.lines[${li}]`;
    if (v.lines.findIndex((l) => l.code === line.code) !== li)
      problems.push({ path: `${path}.code`, message: `code ${line.code} is used twice in this version` });
    if (line.code === ADJUSTMENT_CODE) problems.push({ path: `${path}.code`, message: `${ADJUSTMENT_CODE} is reserved for adjustments` });
    for (const [ti, t] of (line.tiers ?? []).entries())
      if (!v.tiers.includes(t))
        problems.push({ path: `${path}.tiers[${ti}]`, message: `unknown tier ${t} (tiers: ${v.tiers.join(', ')})` });
    const rest = Object.fromEntries(Object.entries(line).filter(([k]) => !(LINE_HEAD_KEYS as readonly string[]).includes(k)));
    const kind = findKind(line.kind);
    if (!kind) {
      problems.push({ path: `${path}.kind`, message: `unknown kind ${line.kind}` });
      return { code: line.code, kind: line.kind, params: rest };
    }
    const params = Value.Default(kind.params, structuredClone(rest)) as Record<string, unknown>;
    const schemaProblems = checker(kind.params).problems(params, 100);
    problems.push(...schemaProblems.map((p) => ({ path: pointerToPath(p.path, path), message: p.message })));
    if (!schemaProblems.length) {
      problems.push(...pctProblems(params, path));
      if (kind.validate) {
        const earlierCodes = v.lines.slice(0, li).map((l) => l.code);
        problems.push(
          ...kind
            .validate(params, { tiers: v.tiers, earlierCodes, operatorCodes })
            .map((p) => ({ path: `${path}.${p.path}`, message: p.message })),
        );
      }
    }
    return {
      code: line.code,
      kind: line.kind,
      ...(line.tiers ? { tiers: line.tiers } : {}),
      ...(line.label === undefined ? {} : { label: line.label }),
      params,
    };
  });
  const eligibility = v.eligibility;
  if (eligibility) {
    eligibility.promotions.forEach((p, i) => {
      for (const key of ['from', 'to'] as const)
        if (!v.tiers.includes(p[key]))
          problems.push({ path: `${at}.eligibility.promotions[${i}].${key}`, message: `unknown tier ${p[key]}` });
    });
    problems.push(...pctProblems(eligibility, `${at}.eligibility`));
  }
  return { policyId, currency, id: v.id, effectiveFrom: v.effectiveFrom, tiers: v.tiers, lines, ...(eligibility ? { eligibility } : {}) };
}

/** Canonical JSON holds integers only: a version is digested with its percentages as fixed text ("99.500"). */
function pctAsText(value: unknown, key = ''): unknown {
  if (key.endsWith('Pct') && typeof value === 'number') return decimalString(milliPct(value), 1000n, 3);
  if (Array.isArray(value)) return value.map((v) => pctAsText(v));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pctAsText(v, k)]));
}

/** Every `...Pct` number, however deep, must have at most three decimals (exact integer milli-percent inside). */
function pctProblems(value: unknown, path: string): Problem[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => pctProblems(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => {
    if (k.endsWith('Pct') && typeof v === 'number') {
      try {
        milliPct(v);
        return [];
      } catch (e) {
        return [{ path: `${path}.${k}`, message: (e as Error).message }];
      }
    }
    return pctProblems(v, `${path}.${k}`);
  });
}

/** The version in force in `month`: the latest one effective from that month or earlier. */
export function policyFor(policy: PayPolicy, month: string): PolicyVersion {
  const version = policy.versions.filter((v) => v.effectiveFrom <= month).at(-1);
  if (!version)
    throw new PayPolicyError([
      {
        path: 'versions',
        message: `no version of ${policy.id} is in force in ${month} (the first takes effect ${policy.versions[0]!.effectiveFrom})`,
      },
    ]);
  return version;
}

/**
 * Replacing `prev` by `next` must not change the version in force for any month up to and including
 * `closedThrough` (the last closed month): those statements are final.
 */
export function policyChangeProblems(prev: PayPolicy, next: PayPolicy, closedThrough: string): Problem[] {
  const closed = (p: PayPolicy) => p.versions.filter((v) => v.effectiveFrom <= closedThrough);
  const before = closed(prev);
  const after = closed(next);
  const problems: Problem[] = [];
  if (prev.id !== next.id) problems.push({ path: 'policy', message: `the policy id changed from ${prev.id} to ${next.id}` });
  for (const v of before) {
    const same = after.find((w) => w.id === v.id);
    if (!same)
      problems.push({
        path: `versions.${v.id}`,
        message: `version ${v.id} was in force in a closed month (through ${closedThrough}) and cannot be removed`,
      });
    else if (same.digest !== v.digest || same.effectiveFrom !== v.effectiveFrom)
      problems.push({
        path: `versions.${v.id}`,
        message: `version ${v.id} was in force in a closed month (through ${closedThrough}) and cannot change`,
      });
  }
  for (const w of after)
    if (!before.some((v) => v.id === w.id))
      problems.push({
        path: `versions.${w.id}`,
        message: `a new version cannot take effect in a closed month (${w.effectiveFrom} ≤ ${closedThrough})`,
      });
  return problems;
}
