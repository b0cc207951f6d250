/**
 * The pay policy file (YAML): versions, each in force from a month, each a list of lines. A line is
 * `code` (its reason code on statements, unique in the version), `kind` (one of kinds/registry.ts),
 * optional `tiers` (the line applies only to operators of these tiers), optional `label`, and the
 * kind's own parameters. Money is integer cents (`amountCents`); percentages (`...Pct`) have at most
 * three decimals.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Code, MonthId } from './statement.ts';

const strict = { additionalProperties: false } as const;
const Pct = Type.Number({ minimum: 0, maximum: 100 });

/** The common fields of a line; the rest belongs to the kind and is checked against its schema. */
export const LineHead = Type.Object(
  {
    code: Code,
    kind: Code,
    tiers: Type.Optional(Type.Array(Code, { minItems: 1 })),
    label: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: true },
);
export const LINE_HEAD_KEYS = ['code', 'kind', 'tiers', 'label'] as const;

/** Tier eligibility: promotions to propose and when to warn of termination. */
export const Eligibility = Type.Object(
  {
    promotions: Type.Array(Type.Object({ from: Code, to: Code, months: Type.Integer({ minimum: 1 }), atOrAbovePct: Pct }, strict), {
      default: [],
    }),
    termination: Type.Optional(Type.Object({ belowPct: Pct, consecutiveMonths: Type.Integer({ minimum: 1 }) }, strict)),
  },
  strict,
);
export type Eligibility = Static<typeof Eligibility>;

export const VersionFile = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }),
    effectiveFrom: MonthId,
    note: Type.Optional(Type.String()),
    /** Operator tiers, lowest first. */
    tiers: Type.Array(Code, { minItems: 1 }),
    lines: Type.Array(LineHead),
    eligibility: Type.Optional(Eligibility),
  },
  strict,
);
export type VersionFile = Static<typeof VersionFile>;

export const PolicyFile = Type.Object(
  {
    policy: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_.-]*$' }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    description: Type.Optional(Type.String()),
    versions: Type.Array(VersionFile, { minItems: 1 }),
  },
  strict,
);
export type PolicyFile = Static<typeof PolicyFile>;
