/** `node_base`: an amount per node and month, pro-rated by the time the operator owned the node. */
import { Type } from '@sinclair/typebox';
import { exactCents, scale } from '../money.ts';
import { nodeRefs } from './common.ts';
import { defineOperatorKind } from './kind.ts';

export default defineOperatorKind({
  kind: 'node_base',
  subject: 'operator',
  summary: 'an amount per node-month, pro-rated by owned time (one line per node)',
  params: Type.Object({ amountCents: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
  compute(p, ctx) {
    const M = ctx.month.seconds;
    return ctx.nodes.map((n) => ({
      nodeId: n.nodeId,
      reason: n.ownedSeconds === M ? 'full_month' : 'prorated_owned_time',
      amount: scale(exactCents(p.amountCents), n.ownedSeconds, M),
      formula: n.ownedSeconds === M ? `${p.amountCents}¢` : `${p.amountCents}¢ × ${n.ownedSeconds} s owned / ${M} s`,
      refs: { nodes: nodeRefs([n]) },
    }));
  },
});
