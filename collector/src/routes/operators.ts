/** Operators as plain records: their tier decides the SLA they (and their nodes) are held to. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Text } from '@timmy/shared';
import { TIERS, thresholdFor } from '../sla/budget.ts';
import { thresholdsOf } from '../services/sla.ts';
import { listOperators, upsertOperator, type OperatorRecord } from '../stores/operators.ts';
import { ACCESS } from '../auth/access.ts';

const OperatorView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  tier: Type.String(),
  region: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  thresholdPct: Type.Number(),
  nodeCount: Type.Integer(),
});

export default async function operatorRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { database, config } = app.deps;
  const sql = database.sql;
  const thresholds = thresholdsOf(config);
  const view = (o: OperatorRecord & { nodeCount: number }): Static<typeof OperatorView> => ({
    ...o,
    thresholdPct: thresholdFor('operator', o.tier, thresholds),
  });

  app.get(
    '/v1/operators',
    {
      config: { access: ACCESS.staff },
      schema: {
        tags: ['operators'],
        summary: 'Every operator with its tier and SLA threshold.',
        response: { 200: Type.Array(OperatorView) },
      },
    },
    async () => (await listOperators(sql)).map(view),
  );

  app.put(
    '/v1/admin/operators/:op',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags: ['admin'],
        summary: 'Create an operator or update its tier / region.',
        security: [{ adminToken: [] }],
        params: Type.Object({ op: Type.String({ minLength: 1, maxLength: 128 }) }),
        body: Type.Object(
          {
            tier: Type.Optional(Type.Union(TIERS.map((t) => Type.Literal(t)))),
            region: Type.Optional(Type.Union([Text({ minLength: 1, maxLength: 64 }), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: { 200: OperatorView },
      },
    },
    async (req) => {
      await upsertOperator(sql, req.params.op, req.body);
      const [operator] = await listOperators(sql, req.params.op);
      return view(operator!);
    },
  );
}
