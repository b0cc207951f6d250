/** Checks in a failing status, selected by name, probe and SLA-criticality. */
import { Type, type Static } from '@sinclair/typebox';
import { CheckStatus } from '@timmy/shared';
import type { NodeState } from '../types.ts';
import { CLEAR, MIN, ruleSchema, type NodeRuleKind } from './rule.ts';

export const CheckRule = ruleSchema(
  'check',
  { severity: 'warning', incidentClass: 'P3', forMs: 5 * MIN, cooldownMs: MIN },
  {
    match: Type.Object(
      {
        names: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        probes: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        slaCritical: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    statuses: Type.Array(Type.Union(CheckStatus.anyOf), { minItems: 1, default: ['warn', 'critical'] }),
  },
);
type CheckRule = Static<typeof CheckRule>;

function matches(rule: CheckRule, name: string, probe: string | undefined, slaCritical: boolean | undefined): boolean {
  const m = rule.match;
  const selectors = m.names !== undefined || m.probes !== undefined;
  const bySelector = !selectors || (m.names?.includes(name) ?? false) || (probe !== undefined && (m.probes?.includes(probe) ?? false));
  const bySla = m.slaCritical === undefined || (slaCritical ?? false) === m.slaCritical;
  return bySelector && bySla;
}

export const check: NodeRuleKind<typeof CheckRule> = {
  subject: 'node',
  schema: CheckRule,
  defaults: [
    {
      id: 'sla_check_failing',
      severity: 'critical',
      incidentClass: 'down',
      match: { slaCritical: true },
      statuses: ['critical'],
    },
    { id: 'tmux_session_missing', match: { probes: ['tmux'], names: ['tmux'] } },
    { id: 'cron_stale', forMs: 15 * MIN, cooldownMs: 5 * MIN, match: { probes: ['cron'], names: ['cron'] } },
  ],
  // `unknown` never fires a check rule, so it is never read.
  interest: (rule) => ({ checkStatuses: rule.statuses.filter((s) => s !== 'unknown') }),
  condition(rule, n) {
    let failing: Array<[string, NodeState['checks'][string]]> | null = null;
    for (const name in n.checks) {
      const c = n.checks[name]!;
      if (c.status === 'unknown' || !rule.statuses.includes(c.status) || !matches(rule, name, c.probe, c.slaCritical)) continue;
      (failing ??= []).push([name, c]);
    }
    if (!failing) return CLEAR;
    const since = Math.min(...failing.map(([, c]) => c.since));
    const what = failing.map(([name, c]) => `${name}=${c.status}${c.message ? ` (${c.message})` : ''}`).join(', ');
    return { active: true, since, summary: `node ${n.id}: ${what}` };
  },
};
