/** An operator's lifecycle (status, allowed events, history; moves by a lead) and region coverage. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ACCESS, actorOf } from '../auth/access.ts';
import { LifecycleEvent, OperatorStatus, TransitionRecord } from '../program/index.ts';
import { Errors } from '../errors.ts';

const err = { $ref: 'ErrorReply#' };
const Operator = Type.Object({ operator: Type.String({ minLength: 1, maxLength: 128, description: 'operator name or id' }) });
const Lifecycle = Type.Object({
  operator: Type.String(),
  status: OperatorStatus,
  allowedEvents: Type.Array(Type.String()),
  history: Type.Array(TransitionRecord),
});
const Coverage = Type.Object({ region: Type.String(), active: Type.Integer(), required: Type.Integer(), atRisk: Type.Boolean() });

export default async function programOperatorRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services, clock } = app.deps;
  const program = services.program.operators;
  const tags = ['program'];

  app.get(
    '/v1/operators/:operator/lifecycle',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags,
        summary: "An operator's lifecycle state, the events allowed now, and every move (who, when, why, reason code).",
        params: Operator,
        response: { 200: Lifecycle, 404: err },
      },
    },
    async (req) => program.lifecycle(req.params.operator),
  );

  app.post(
    '/v1/operators/:operator/transitions',
    {
      config: { access: ACCESS.lead },
      schema: {
        tags,
        summary:
          'Move an operator through the lifecycle (screening … certified, promote / demote, reject with a reason, suspend, exit, reapply).',
        description: 'A refusal lists every problem (400 FLEET_BAD_REQUEST, `details`). Who made the move is the token holder.',
        params: Operator,
        body: Type.Object(
          {
            event: LifecycleEvent,
            // Checked by the lifecycle (an empty reason is listed with the other problems).
            reason: Type.String({ maxLength: 2000, description: 'why (recorded in the history)' }),
            at: Type.Optional(Type.String({ format: 'date-time', description: 'when (default now; never in the future)' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            operator: Type.String(),
            status: OperatorStatus,
            record: TransitionRecord,
            allowedEvents: Type.Array(Type.String()),
          }),
          400: err,
          404: err,
        },
      },
    },
    async (req) => {
      const now = clock();
      const at = req.body.at === undefined ? now : Date.parse(req.body.at);
      if (at > now) throw new Errors.BadRequest('at: a move cannot be dated in the future');
      return program.move(req.params.operator, req.body.event, { by: actorOf(req), reason: req.body.reason, at });
    },
  );

  app.get(
    '/v1/regions/coverage',
    {
      config: { access: ACCESS.staff },
      schema: {
        tags,
        summary: 'Active operators (probation through fleet lead) per region against the requirement (2): below it a region is at risk.',
        response: { 200: Type.Array(Coverage) },
      },
    },
    async () => program.coverage(),
  );
}
