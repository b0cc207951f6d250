/**
 * `extra_nodes`: an amount per node beyond those the base covers, up to a cap. Nodes count by
 * ownership time (node-months = owned seconds / seconds in the month), so a node transferred
 * mid-month counts for each owner only for their part. The nodes included and the cap apply to the
 * operator's active days: an operator active 10 days with 7 nodes had 2 nodes beyond 5 for 10 days.
 */
import { Type } from '@sinclair/typebox';
import { decimalString, exactCents, scale } from '../money.ts';
import { nodeRefs } from './common.ts';
import { defineOperatorKind } from './kind.ts';

export default defineOperatorKind({
  kind: 'extra_nodes',
  subject: 'operator',
  summary: 'an amount per node-month beyond `includedNodes`, counting at most `maxNodes`, over the active days',
  params: Type.Object(
    { perNodeCents: Type.Integer({ minimum: 0 }), includedNodes: Type.Integer({ minimum: 0 }), maxNodes: Type.Integer({ minimum: 0 }) },
    { additionalProperties: false },
  ),
  validate: (p) => (p.maxNodes < p.includedNodes ? [{ path: 'maxNodes', message: `is below includedNodes (${p.includedNodes})` }] : []),
  compute(p, ctx) {
    const M = ctx.month.seconds;
    const active = ctx.activeDays * 86_400;
    const owned = ctx.nodes.reduce((s, n) => s + n.ownedSeconds, 0);
    if (owned <= p.includedNodes * active) return [];
    const extra = Math.min(owned, p.maxNodes * active) - p.includedNodes * active;
    const nodeMonths = (s: number) => decimalString(BigInt(s), BigInt(M), 4);
    const scaled = active === M ? '' : ` × ${ctx.activeDays}/${ctx.month.days} active days`;
    return [
      {
        reason: owned > p.maxNodes * active ? 'capped_at_max_nodes' : 'nodes_beyond_included',
        amount: scale(exactCents(p.perNodeCents), extra, M),
        formula: `${p.perNodeCents}¢ × (min(${nodeMonths(owned)}, ${p.maxNodes}${scaled}) − ${p.includedNodes}${scaled}) node-months = ${p.perNodeCents}¢ × ${extra} s / ${M} s`,
        refs: { nodes: nodeRefs(ctx.nodes), activeDays: { days: ctx.activeDays, of: ctx.month.days } },
      },
    ];
  },
});
