/** An operator projected to end the month below its tier's SLA target (plus a margin). */
import { Type } from '@sinclair/typebox';
import { MIN, ruleSchema, type OperatorRuleKind } from './rule.ts';

export const SlaAtRiskRule = ruleSchema(
  'sla_at_risk',
  { severity: 'warning', incidentClass: 'P3', forMs: 30 * MIN, cooldownMs: 30 * MIN },
  { marginRatio: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'fires when projected < target + margin' }) },
);

const pct = (r: number | null) => (r === null ? 'n/a' : `${(r * 100).toFixed(2)} %`);

export const slaAtRisk: OperatorRuleKind<typeof SlaAtRiskRule> = {
  subject: 'operator',
  schema: SlaAtRiskRule,
  defaults: [{ id: 'sla_at_risk' }],
  condition(rule, op) {
    return {
      active: op.projectedRatio !== null && op.projectedRatio < op.slaTarget + rule.marginRatio,
      summary: `operator ${op.id} projected to miss the ${op.tier ?? 'tier'} SLA: ${pct(op.projectedRatio)} < ${pct(op.slaTarget)}`,
    };
  },
};
