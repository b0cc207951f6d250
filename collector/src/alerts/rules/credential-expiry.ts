/** The node's current credential expires within `warnBeforeMs` (or has expired). */
import { Type } from '@sinclair/typebox';
import { CLEAR, DAY, ruleSchema, type NodeRuleKind } from './rule.ts';

export const CredentialExpiryRule = ruleSchema(
  'credential_expiry',
  { severity: 'warning', incidentClass: 'P3', forMs: 0, cooldownMs: 0 },
  { warnBeforeMs: Type.Integer({ minimum: 0, default: 14 * DAY }) },
);

export const credentialExpiry: NodeRuleKind<typeof CredentialExpiryRule> = {
  subject: 'node',
  schema: CredentialExpiryRule,
  defaults: [{ id: 'credential_expiring' }],
  condition(rule, n, now) {
    const exp = n.credentialExpiresAt;
    if (exp === null || exp === undefined || exp - now > rule.warnBeforeMs) return CLEAR;
    const left = exp - now;
    return {
      active: true,
      since: exp - rule.warnBeforeMs,
      summary: left > 0 ? `node ${n.id}: credential expires in ${Math.ceil(left / 3_600_000)} h` : `node ${n.id}: credential expired`,
    };
  },
};
