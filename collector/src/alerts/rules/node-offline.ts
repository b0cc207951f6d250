/** No heartbeat for longer than `graceMs` (3 x 5 s), counted from the last heartbeat. */
import { Type } from '@sinclair/typebox';
import { CLEAR, MIN, ruleSchema, type NodeRuleKind } from './rule.ts';

export const NodeOfflineRule = ruleSchema(
  'node_offline',
  { severity: 'critical', incidentClass: 'down', forMs: 5 * MIN, cooldownMs: MIN },
  { graceMs: Type.Integer({ minimum: 0, default: 15_000, description: 'no heartbeat for this long = offline (3 x 5 s)' }) },
);

export const nodeOffline: NodeRuleKind<typeof NodeOfflineRule> = {
  subject: 'node',
  schema: NodeOfflineRule,
  defaults: [{ id: 'node_offline' }],
  afterRestartGrace: true,
  condition(rule, n, now) {
    const last = n.lastHeartbeatAt;
    if (last === null) return CLEAR;
    if (now - last <= rule.graceMs) return { active: false, since: last, summary: '' };
    return { active: true, since: last, summary: `node ${n.id} offline: no heartbeat since ${new Date(last).toISOString()}` };
  },
};
