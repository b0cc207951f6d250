/**
 * The one list of rule kinds. Adding a kind: one file (schema, defaults, condition), its test, one line
 * here (and its name in `RuleKind`, types.ts, which the compiler holds to this list).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { RuleKind } from '../types.ts';
import { check } from './check.ts';
import { clockSkew } from './clock-skew.ts';
import { credentialExpiry } from './credential-expiry.ts';
import { disk } from './disk.ts';
import { nodeOffline } from './node-offline.ts';
import { regionCoverageKind } from './region-coverage.ts';
import type { RuleKindDefinition } from './rule.ts';
import { slaAtRisk } from './sla-at-risk.ts';

export const RULE_KINDS = {
  node_offline: nodeOffline,
  check,
  disk,
  credential_expiry: credentialExpiry,
  clock_skew: clockSkew,
  sla_at_risk: slaAtRisk,
  region_coverage: regionCoverageKind,
} as const satisfies Record<RuleKind, RuleKindDefinition>;

export const Rule = Type.Union(Object.values(RULE_KINDS).map((k) => k.schema) as [(typeof RULE_KINDS)[RuleKind]['schema']]);
export type Rule = Static<(typeof RULE_KINDS)[RuleKind]['schema']>;

/** A kind's definition, for a rule of that kind. */
const KINDS: Record<RuleKind, RuleKindDefinition> = RULE_KINDS;
export const kindOf = (rule: Rule): RuleKindDefinition => KINDS[rule.kind];

/** The default rules, kind by kind: each kind's defaults filled from its schema. */
export const DEFAULT_RULES: readonly Rule[] = Object.freeze(
  (Object.keys(KINDS) as RuleKind[]).flatMap((kind) =>
    KINDS[kind].defaults.map((d) => Value.Default(KINDS[kind].schema, { kind, ...structuredClone(d) }) as Rule),
  ),
);
