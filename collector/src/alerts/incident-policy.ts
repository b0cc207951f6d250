/**
 * The incident policy: P0/P1 thresholds, escalation, respond/resolve targets per severity, post-mortems.
 * Validated once at start (IncidentPolicyError lists every problem).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Severity } from '@timmy/shared';
import { IncidentPolicyError } from './errors.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

const Target = Type.Object(
  { respondMs: Type.Integer({ minimum: 1 }), resolveMs: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

export const IncidentPolicySchema = Type.Object(
  {
    p0Fraction: Type.Number({ minimum: 0, maximum: 1, default: 0.9, description: 'share of nodes down that makes a fleet-wide outage' }),
    p0MinNodes: Type.Integer({ minimum: 1, default: 3 }),
    p1Fraction: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'a region is P1 when strictly more than this share is down',
    }),
    p1MinNodes: Type.Integer({ minimum: 1, default: 2 }),
    escalateAfterMs: Type.Integer({ minimum: 1, default: 10 * MIN }),
    postmortemWithinMs: Type.Integer({ minimum: 1, default: 48 * HOUR }),
    postmortemFor: Type.Array(Severity, {
      default: ['P0', 'P1'],
    }),
    targets: Type.Object(
      { P0: Target, P1: Target, P2: Target, P3: Target },
      {
        additionalProperties: false,
        default: {
          P0: { respondMs: 15 * MIN, resolveMs: 4 * HOUR },
          P1: { respondMs: 30 * MIN, resolveMs: 8 * HOUR },
          P2: { respondMs: 1 * HOUR, resolveMs: 24 * HOUR },
          P3: { respondMs: 4 * HOUR, resolveMs: 72 * HOUR },
        },
      },
    ),
  },
  { additionalProperties: false },
);
export type IncidentPolicy = Static<typeof IncidentPolicySchema>;

export function loadIncidentPolicy(input: unknown = {}): IncidentPolicy {
  const v = Value.Default(IncidentPolicySchema, structuredClone(input ?? {}));
  const errors = [...Value.Errors(IncidentPolicySchema, v)].map((e) => `${e.path || '/'}: ${e.message}`);
  if (errors.length) throw new IncidentPolicyError(errors);
  return v as IncidentPolicy;
}

export const DEFAULT_INCIDENT_POLICY: IncidentPolicy = loadIncidentPolicy({});
