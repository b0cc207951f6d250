import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Text } from '@timmy/shared';
import { findNodeId, registerNode, revokeNode } from '../services/nodes.ts';
import { ACCESS } from '../auth/access.ts';

const Credential = Type.Object({
  nodeId: Type.Integer(),
  name: Type.String(),
  credential: Type.String({ description: 'the node credential: shown once, store it in the agent (mode 0600)' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

export default async function adminRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { database, services, clock } = app.deps;
  app.post(
    '/v1/admin/nodes',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags: ['admin'],
        summary: 'Register a node and issue its credential.',
        security: [{ adminToken: [] }],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' }),
            operator: Type.Optional(Text({ minLength: 1, maxLength: 128 })),
            region: Type.Optional(Text({ minLength: 1, maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Credential, 401: { $ref: 'ErrorReply#' }, 409: { $ref: 'ErrorReply#' } },
      },
    },
    async (req, reply) => {
      const r = await registerNode(database, services.credentials, req.body, clock());
      return reply
        .status(201)
        .send({ nodeId: r.nodeId, name: r.name, credential: r.token, expiresAt: new Date(r.expiresAt).toISOString() });
    },
  );

  app.post(
    '/v1/admin/nodes/:node/revoke',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags: ['admin'],
        summary: 'Revoke every credential of a node, effective at its next request.',
        security: [{ adminToken: [] }],
        params: Type.Object({ node: Type.String() }),
        response: { 200: Type.Object({ revoked: Type.Integer() }), 404: { $ref: 'ErrorReply#' } },
      },
    },
    async (req) => ({ revoked: await revokeNode(database, services.credentials, req.params.node, clock()) }),
  );

  app.post(
    '/v1/admin/nodes/:node/credentials',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags: ['admin'],
        summary: 'Issue a fresh credential for a node and revoke its others (a lost or leaked credential).',
        security: [{ adminToken: [] }],
        params: Type.Object({ node: Type.String() }),
        response: { 201: Credential, 404: { $ref: 'ErrorReply#' } },
      },
    },
    async (req, reply) => {
      const nodeId = await findNodeId(database, req.params.node);
      const now = clock();
      await services.credentials.revokeAll(nodeId, now);
      const c = await services.credentials.issue(nodeId, now);
      return reply.status(201).send({ nodeId, name: req.params.node, credential: c.token, expiresAt: new Date(c.expiresAt).toISOString() });
    },
  );
}
