/**
 * Enrollment: POST /v1/admin/enrollment-tokens (admin) issues a single-use token for an operator;
 * POST /v1/enroll trades it for the node's own credential (`timmy-fleet join`).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { EnrollRequest, EnrollResponse, Text } from '@timmy/shared';
import { createEnrollmentToken, enroll } from '../services/enrollment.ts';
import { ACCESS } from '../auth/access.ts';

export default async function enrollRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { database, services, clock } = app.deps;

  app.post(
    '/v1/admin/enrollment-tokens',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags: ['admin'],
        summary: 'Create a single-use, expiring enrollment token for an operator (shown once).',
        security: [{ adminToken: [] }],
        body: Type.Object(
          {
            operator: Text({ minLength: 1, maxLength: 128 }),
            region: Type.Optional(Text({ minLength: 1, maxLength: 64 })),
            ttlHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 720, default: 24 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ token: Type.String(), operator: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }),
          401: { $ref: 'ErrorReply#' },
        },
      },
    },
    async (req, reply) => {
      const t = await createEnrollmentToken(database, { ...req.body, createdBy: 'api' }, clock());
      return reply.status(201).send({ token: t.token, operator: t.operator, expiresAt: new Date(t.expiresAt).toISOString() });
    },
  );

  app.post(
    '/v1/enroll',
    {
      schema: {
        tags: ['agent'],
        summary: 'A node enrolls with a single-use token and receives its own credential.',
        body: EnrollRequest,
        response: {
          201: EnrollResponse,
          400: { $ref: 'ErrorReply#' },
          401: { $ref: 'ErrorReply#' },
          429: { $ref: 'ErrorReply#' },
        },
      },
      // Guessing is pointless (256-bit secrets) but cheap to bound.
      config: { rateLimit: { max: 20, timeWindow: 60_000 }, access: ACCESS.everyone },
    },
    async (req, reply) => {
      const r = await enroll(database, services.credentials, req.body, clock());
      req.log.info({ nodeId: r.nodeId, name: r.name }, 'node enrolled');
      return reply.status(201).send({ nodeId: String(r.nodeId), credential: r.credential, expiresAt: r.expiresAt });
    },
  );
}
