/**
 * Tier eligibility for an admin to decide: each operator's monthly UP / DOWN seconds (the pay evidence
 * reader's, summed as a statement sums them) over the months the rules look back, and the pure core's
 * `tierProposals` with the eligibility rules of the policy version in force in the month evaluated.
 */
import type postgres from 'postgres';
import { policyFor, tierProposals, type MonthUptime, type PayPolicy, type Proposal } from '../pay/index.ts';
import { sumStates } from '../pay/figures.ts';
import { monthFromIndex, monthIndex } from '../pay/month.ts';
import { gatherOperatorEvidence, monthMaintenance } from './evidence.ts';
import { monthOrBadRequest } from './months.ts';

export interface OperatorProposals {
  operator: string;
  tier: string;
  /** The months read, oldest first (the evidence behind the proposals). */
  history: MonthUptime[];
  proposals: Proposal[];
}

export interface TierProposals {
  month: string;
  policy: { id: string; version: string };
  operators: OperatorProposals[];
}

/** Proposals as of `month` (its evidence up to `now` when still open), for every operator paid in it. */
export async function tierProposalsOf(sql: postgres.Sql, policy: PayPolicy, month: string, now: number): Promise<TierProposals> {
  monthOrBadRequest(month);
  const version = policyFor(policy, month);
  const rules = version.eligibility ?? { promotions: [] };
  const lookback = Math.max(1, ...rules.promotions.map((p) => p.months), rules.termination?.consecutiveMonths ?? 1);
  const months = Array.from({ length: lookback }, (_, i) => monthFromIndex(monthIndex(month) - lookback + 1 + i));
  const gathered = await Promise.all(months.map((m) => gatherOperatorEvidence(sql, m, now, monthMaintenance(sql, m))));
  const histories = new Map<string, MonthUptime[]>();
  gathered.forEach((ops, i) => {
    for (const g of ops) {
      const s = sumStates(g.evidence.nodes.flatMap((n) => n.spans));
      const h = histories.get(g.operator.name) ?? histories.set(g.operator.name, []).get(g.operator.name)!;
      h.push({ month: months[i]!, upSeconds: s.upSeconds, downSeconds: s.downSeconds });
    }
  });
  return {
    month,
    policy: { id: version.policyId, version: version.id },
    operators: (gathered.at(-1) ?? []).map(({ operator }) => {
      const history = histories.get(operator.name) ?? [];
      return { operator: operator.name, tier: operator.tier, history, proposals: tierProposals(rules, operator.tier, history, month) };
    }),
  };
}
