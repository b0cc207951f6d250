/**
 * `extra_nodes`: an amount per node beyond those the base covers, up to a cap. Nodes count by
 * ownership time (node-months = owned seconds / seconds in the month), so a node transferred
 * mid-month counts for each owner only for their part.
 */
import { Type } from '@sinclair/typebox';
import { decimalString, exactCents, scale } from '../money.ts';
import { nodeRefs } from './common.ts';
import { defineOperatorKind } from './kind.ts';

export default defineOperatorKind({
  kind: 'extra_nodes',
  subject: 'operator',
  summary: 'an amount per node-month beyond `includedNodes`, counting at most `maxNodes`',
  params: Type.Object(
    { perNodeCents: Type.Integer({ minimum: 0 }), includedNodes: Type.Integer({ minimum: 0 }), maxNodes: Type.Integer({ minimum: 0 }) },
    { additionalProperties: false },
  ),
  validate: (p) => (p.maxNodes < p.includedNodes ? [{ path: 'maxNodes', message: `is below includedNodes (${p.includedNodes})` }] : []),
  compute(p, ctx) {
    const M = ctx.month.seconds;
    const owned = ctx.nodes.reduce((s, n) => s + n.ownedSeconds, 0);
    if (owned <= p.includedNodes * M) return [];
    const capped = Math.min(owned, p.maxNodes * M);
    const extra = capped - p.includedNodes * M;
    const nodeMonths = decimalString(BigInt(owned), BigInt(M), 4);
    return [
      {
        reason: owned > p.maxNodes * M ? 'capped_at_max_nodes' : 'nodes_beyond_included',
        amount: scale(exactCents(p.perNodeCents), extra, M),
        formula: `${p.perNodeCents}¢ × (min(${nodeMonths}, ${p.maxNodes}) − ${p.includedNodes}) node-months = ${p.perNodeCents}¢ × ${extra} s / ${M} s`,
        refs: { nodes: nodeRefs(ctx.nodes) },
      },
    ];
  },
});
