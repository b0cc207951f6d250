/**
 * The rules configuration, validated once at start: the default rules (registry.ts) overridden and
 * extended by id, every problem listed (AlertConfigError), and what the enabled rules can fire on.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { CheckStatus } from '@timmy/shared';
import { AlertConfigError } from '../errors.ts';
import type { RuleKind } from '../types.ts';
import { DEFAULT_RULES, RULE_KINDS, kindOf, type Rule } from './registry.ts';
import { MIN, type FleetInterest } from './rule.ts';

export const RulesConfigSchema = Type.Object(
  {
    restartGraceMs: Type.Integer({
      minimum: 0,
      default: 2 * MIN,
      description: 'node-offline waits this long after the collector/database came back',
    }),
    flap: Type.Object(
      {
        windowMs: Type.Integer({ minimum: 1, default: 30 * MIN }),
        threshold: Type.Integer({ minimum: 2, default: 6, description: 'condition changes within the window that make an alert flapping' }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Rules by id: an entry with a default rule's id overrides its fields; a new id adds a rule. */
    rules: Type.Array(Type.Record(Type.String(), Type.Unknown()), { default: [] }),
  },
  { additionalProperties: false },
);
export type RulesConfigInput = Partial<Static<typeof RulesConfigSchema>> & { rules?: Array<Record<string, unknown>> };

export interface RulesConfig {
  restartGraceMs: number;
  flap: { windowMs: number; threshold: number };
  rules: Rule[];
}

function errorsOf(schema: TSchema, value: unknown, prefix: string): string[] {
  return [...Value.Errors(schema, value)].map((e) => `${prefix}${e.path || '/'}: ${e.message}`);
}

/** Validate a rules config once at start: defaults filled, every problem listed (AlertConfigError). */
export function loadRulesConfig(input: unknown = {}): RulesConfig {
  const raw = Value.Default(RulesConfigSchema, structuredClone(input ?? {}));
  const problems = errorsOf(RulesConfigSchema, raw, '');
  if (problems.length) throw new AlertConfigError(problems);
  const cfg = raw as Static<typeof RulesConfigSchema>;
  const byId = new Map<string, Rule>(DEFAULT_RULES.map((r) => [r.id, structuredClone(r) as Rule]));
  cfg.rules.forEach((entry, i) => {
    const id = entry.id;
    if (typeof id !== 'string') {
      problems.push(`/rules/${i}/id: required`);
      return;
    }
    const base = byId.get(id);
    const merged: Record<string, unknown> = { ...(base ?? {}), ...entry };
    const kind = merged.kind;
    if (typeof kind !== 'string' || !Object.hasOwn(RULE_KINDS, kind)) {
      problems.push(`/rules/${i}/kind: must be one of ${Object.keys(RULE_KINDS).join(', ')}`);
      return;
    }
    if (base && base.kind !== kind) {
      problems.push(`/rules/${i}/kind: cannot change the kind of default rule ${id}`);
      return;
    }
    const schema = RULE_KINDS[kind as RuleKind].schema;
    const filled = Value.Default(schema, merged);
    const errs = errorsOf(schema, filled, `/rules/${i}`);
    if (errs.length) problems.push(...errs);
    else byId.set(id, filled as Rule);
  });
  if (problems.length) throw new AlertConfigError(problems);
  return { restartGraceMs: cfg.restartGraceMs, flap: cfg.flap, rules: [...byId.values()] };
}

export const DEFAULT_RULES_CONFIG: RulesConfig = loadRulesConfig({});

/** What the enabled rules can fire on, merged over every rule (see FleetInterest). */
export function fleetInterest(config: RulesConfig): FleetInterest {
  const statuses = new Set<CheckStatus>();
  let diskMinPct: number | null = null;
  let regions = false;
  for (const r of config.rules) {
    if (!r.enabled) continue;
    const i = kindOf(r).interest?.(r) ?? {};
    for (const s of i.checkStatuses ?? []) statuses.add(s);
    if (i.diskMinPct != null) diskMinPct = Math.min(diskMinPct ?? Infinity, i.diskMinPct);
    regions ||= i.regions === true;
  }
  return { checkStatuses: [...statuses].sort(), diskMinPct, regions };
}
