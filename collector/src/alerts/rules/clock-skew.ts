/** The node's measured clock skew beyond `maxSkewMs` either way. */
import { Type } from '@sinclair/typebox';
import { CLEAR, MIN, ruleSchema, type NodeRuleKind } from './rule.ts';

export const ClockSkewRule = ruleSchema(
  'clock_skew',
  { severity: 'warning', incidentClass: 'P3', forMs: 5 * MIN, cooldownMs: 5 * MIN },
  { maxSkewMs: Type.Integer({ minimum: 0, default: 60_000 }) },
);

export const clockSkew: NodeRuleKind<typeof ClockSkewRule> = {
  subject: 'node',
  schema: ClockSkewRule,
  defaults: [{ id: 'clock_skew' }],
  condition(rule, n) {
    const skew = n.clockSkewMs;
    if (skew === null || skew === undefined || Math.abs(skew) <= rule.maxSkewMs) return CLEAR;
    return { active: true, summary: `node ${n.id}: clock skew ${(skew / 1000).toFixed(1)} s` };
  },
};
