/** The node's disk figure (root filesystem used %, else the fullest disk) at or above a threshold. */
import { Type } from '@sinclair/typebox';
import { CLEAR, MIN, ruleSchema, type NodeRuleKind } from './rule.ts';

export const DiskRule = ruleSchema(
  'disk',
  { severity: 'warning', incidentClass: 'P3', forMs: 5 * MIN, cooldownMs: 5 * MIN },
  { thresholdPct: Type.Number({ minimum: 0, maximum: 100, description: 'fires when used % >= this' }) },
);

export const disk: NodeRuleKind<typeof DiskRule> = {
  subject: 'node',
  schema: DiskRule,
  defaults: [
    { id: 'disk_warning', thresholdPct: 85 },
    { id: 'disk_critical', severity: 'critical', incidentClass: 'P2', thresholdPct: 90 },
  ],
  interest: (rule) => ({ diskMinPct: rule.thresholdPct }),
  condition(rule, n) {
    const used = n.diskUsedPct;
    if (used === null || used === undefined || used < rule.thresholdPct) return CLEAR;
    return { active: true, summary: `node ${n.id}: root disk ${used.toFixed(1)} % used (threshold ${rule.thresholdPct} %)` };
  },
};
