/** Node ownership: dated transfers from one operator to the next (pay follows ownership by time). */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Text } from '@timmy/shared';
import { Errors } from '../errors.ts';
import { parseRef } from '../refs.ts';
import { ACCESS } from '../auth/access.ts';
import { actor } from './months.ts';

const err = { $ref: 'ErrorReply#' };
const NodeParam = Type.Object({ node: Type.String({ minLength: 1, maxLength: 128 }) });
const History = Type.Object({
  node: Type.String(),
  transfers: Type.Array(
    Type.Object({
      at: Type.String({ format: 'date-time' }),
      operator: Type.Union([Type.String(), Type.Null()], { description: 'the owner from `at` on; null: nobody' }),
      by: Type.String(),
      reason: Type.String(),
    }),
  ),
});

export default async function ownershipRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const pay = app.deps.services.pay;

  app.post(
    '/v1/admin/nodes/:node/transfers',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags: ['admin', 'pay'],
        summary:
          "Transfer a node to another operator (or to nobody) as of `at` (default now; never in the future, never in a closed month, after its last transfer). A month's figures and pay follow ownership by time.",
        security: [{ adminToken: [] }],
        params: NodeParam,
        body: Type.Object(
          {
            to: Type.Union([Text({ minLength: 1, maxLength: 128 }), Type.Null()], {
              description: 'the new owner (operator name), or null',
            }),
            at: Type.Optional(Type.String({ format: 'date-time', description: 'whole seconds' })),
            reason: Text({ minLength: 1, maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: History, 400: err, 401: err, 404: err, 409: err },
      },
    },
    async (req) => {
      const at = req.body.at === undefined ? undefined : Date.parse(req.body.at);
      if (at !== undefined && !Number.isFinite(at)) throw new Errors.BadRequest(`body/at is not a time: ${req.body.at}`);
      return pay.transfer(parseRef(req.params.node, 'node'), {
        to: req.body.to,
        ...(at === undefined ? {} : { at }),
        reason: req.body.reason,
        by: actor(req),
      });
    },
  );

  app.get(
    '/v1/nodes/:node/transfers',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags: ['pay'],
        summary: "A node's recorded transfers, oldest first (a node without any belongs to its operator since registration).",
        params: NodeParam,
        response: { 200: History, 400: err, 401: err, 404: err },
      },
    },
    async (req) => pay.transfers(parseRef(req.params.node, 'node')),
  );
}
