/** Tier eligibility: the promotions and termination risks the pay policy proposes, for an admin to decide (admin routes are the admin role only). */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ACCESS } from '../auth/access.ts';
import { MonthUptime, Proposal } from '../pay/index.ts';
import { Month } from './months.ts';

const err = { $ref: 'ErrorReply#' };

export default async function tierProposalRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const pay = app.deps.services.pay;
  app.get(
    '/v1/admin/tier-proposals',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags: ['admin', 'pay'],
        summary:
          "Tier proposals as of a month: promotions (N months at or above the policy's threshold) and termination warnings and risks (months in a row below it), from each operator's monthly UP / DOWN seconds as statements count them. Proposals only: an admin decides.",
        querystring: Type.Object({ month: Month }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            month: Type.String(),
            policy: Type.Object({ id: Type.String(), version: Type.String() }),
            operators: Type.Array(
              Type.Object({
                operator: Type.String(),
                tier: Type.String(),
                history: Type.Array(MonthUptime),
                proposals: Type.Array(Proposal),
              }),
            ),
          }),
          400: err,
          401: err,
          403: err,
          422: err,
        },
      },
    },
    async (req) => pay.tierProposals(req.query.month),
  );
}
