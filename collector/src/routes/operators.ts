/** Operators as plain records: their tier decides the SLA they (and their nodes) are held to. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Text } from '@timmy/shared';
import { TIERS } from '../sla/budget.ts';
import { thresholdsOf } from './sla-view.ts';
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
  const list = (name?: string) => sql`
    select o.id::int8 as id, o.name, o.tier, o.region, o.status, (select count(*) from nodes n where n.operator_id = o.id and n.decommissioned_at is null)::int as node_count
    from operators o ${name === undefined ? sql`` : sql`where o.name = ${name}`} order by o.name`;
  const view = (r: Record<string, unknown>) => ({
    id: Number(r.id),
    name: r.name as string,
    tier: r.tier as string,
    region: (r.region as string | null) ?? null,
    status: r.status as string,
    thresholdPct: thresholds.tiers[r.tier as keyof typeof thresholds.tiers] ?? thresholds.tiers.certified,
    nodeCount: Number(r.node_count),
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
    async () => (await list()).map(view),
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
      const { tier, region } = req.body;
      await sql`
        insert into operators (name, tier, region) values (${req.params.op}, ${tier ?? 'certified'}, ${region ?? null})
        on conflict (name) do update set
          tier = case when ${tier === undefined} then operators.tier else excluded.tier end,
          region = case when ${region === undefined} then operators.region else excluded.region end`;
      const [row] = await list(req.params.op);
      return view(row!);
    },
  );
}
