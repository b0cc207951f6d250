/** Operator applications: the public form (every problem listed), the review queue and the funnel. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ACCESS } from '../auth/access.ts';
import { type LIFECYCLE_STATES, LifecycleState, OperatorApplication, ProgramProblem, REJECTION_REASONS } from '../program/index.ts';
import type { ApplicationRow } from '../stores/applications.ts';

const err = { $ref: 'ErrorReply#' };

const ApplicationView = Type.Object({
  id: Type.Integer(),
  operator: Type.String({ description: 'the operator record the application created (its lifecycle starts at `application`)' }),
  state: Type.String(),
  email: Type.String(),
  region: Type.String(),
  partner: Type.Union([Type.String(), Type.Null()]),
  submittedAt: Type.String({ format: 'date-time' }),
  notes: Type.Array(ProgramProblem, { description: 'what a reviewer should weigh (not problems)' }),
  application: Type.Unknown(),
});

const view = (a: ApplicationRow) => ({
  id: a.id,
  operator: a.operator,
  state: a.state,
  email: a.email,
  region: a.region,
  partner: a.partner,
  submittedAt: a.submittedAt.toISOString(),
  notes: Array.isArray(a.notes) ? a.notes : [],
  application: a.data,
});

export default async function applicationRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services, clock } = app.deps;
  const program = services.program.operators;
  const tags = ['program'];

  app.post(
    '/v1/applications',
    {
      // Public and unauthenticated: bounded per client address.
      config: { access: ACCESS.everyone, rateLimit: { max: 10, timeWindow: 60_000 } },
      // The program's own check lists every problem with its path and a stable code (400 `details`).
      attachValidation: true,
      schema: {
        tags,
        summary: "Apply to become an operator: the application form as structured data, with the referring partner's code if any.",
        description: 'Every problem is listed in a 400 FLEET_BAD_REQUEST (`details`: path, code, message). Rate-limited per address.',
        body: OperatorApplication,
        response: {
          201: Type.Object({
            id: Type.Integer(),
            operator: Type.String(),
            state: Type.Literal('application'),
            notes: Type.Array(ProgramProblem),
          }),
          400: err,
          429: err,
        },
      },
    },
    async (req, reply) => {
      const r = await program.submit(req.body, clock());
      return reply.status(201).send({ ...r, state: 'application' as const });
    },
  );

  app.get(
    '/v1/applications',
    {
      config: { access: ACCESS.lead },
      schema: {
        tags,
        summary: 'Applications, newest first: by default the review queue (application through exam); ?all=true for every one.',
        querystring: Type.Object(
          { all: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(ApplicationView) },
      },
    },
    async (req) => (await program.applications(req.query.all !== 'true')).map(view),
  );

  app.get(
    '/v1/applications/funnel',
    {
      config: { access: ACCESS.staff },
      schema: {
        tags,
        summary: 'The funnel: for each lifecycle state the applicants in it now and the ones who ever reached it; rejections by reason.',
        response: {
          200: Type.Object({
            stages: Type.Array(
              Type.Object({
                stage: Type.Unsafe<(typeof LIFECYCLE_STATES)[number]>(LifecycleState),
                current: Type.Integer(),
                reached: Type.Integer(),
              }),
            ),
            rejections: Type.Object(Object.fromEntries(REJECTION_REASONS.map((r) => [r, Type.Integer()]))),
          }),
        },
      },
    },
    async () => program.funnel(),
  );
}
