/**
 * A region with fewer active operators than it needs ("coverage at risk"): one operator's absence would
 * leave it unserved. The verdict is region coverage's own (program/coverage.ts), with this rule's requirement.
 */
import { Type } from '@sinclair/typebox';
import { regionCoverage } from '../../program/coverage.ts';
import { ruleSchema, type RegionRuleKind } from './rule.ts';

export const RegionCoverageRule = ruleSchema(
  'region_coverage',
  // Coverage moves with lifecycle decisions (a suspension, an exit), not with noisy measurements: no wait by default.
  { severity: 'warning', incidentClass: 'P3', forMs: 0, cooldownMs: 0 },
  {
    required: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 2,
      description: 'active operators (probation through fleet lead) a region needs',
    }),
  },
);

export const regionCoverageKind: RegionRuleKind<typeof RegionCoverageRule> = {
  subject: 'region',
  schema: RegionCoverageRule,
  defaults: [{ id: 'region_coverage' }],
  interest: () => ({ regions: true }),
  condition(rule, operators) {
    return regionCoverage(operators, { required: rule.required }).map((r) => ({
      region: r.region,
      active: r.atRisk,
      summary: `region ${r.region} coverage at risk: ${r.active}/${r.required} active operators`,
    }));
  },
};
