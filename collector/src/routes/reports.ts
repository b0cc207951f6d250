import { Report, ReportAck } from '@timmy/shared';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type AuthenticatedNode, parseToken } from '../auth/credentials.ts';
import { Errors } from '../errors.ts';
import { bearer } from './guards.ts';
import { ACCESS } from '../auth/access.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The node a report's credential belongs to (set by the ingest route before its body is parsed). */
    node?: AuthenticatedNode;
    /** When a report arrived (the start of its request, before authentication): its live samples' time. */
    receivedAt?: number;
  }
}

const errorReplies = {
  400: { $ref: 'ErrorReply#' },
  401: { $ref: 'ErrorReply#' },
  413: { $ref: 'ErrorReply#' },
  422: { $ref: 'ErrorReply#' },
  429: { $ref: 'ErrorReply#' },
  503: { $ref: 'ErrorReply#' },
};

export default async function reports(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { config, services, clock, metrics } = app.deps;
  app.post(
    '/v1/reports',
    {
      schema: {
        tags: ['ingest'],
        summary: 'An agent pushes samples. The node is the one its bearer credential belongs to.',
        description:
          'Idempotent per (node, stream, seq). Answered only after the samples are committed. Samples outside the accepted time range are refused one by one (listed in `rejected`); a report with none acceptable gets 422.',
        security: [{ nodeCredential: [] }],
        body: Report,
        response: { 200: ReportAck, ...errorReplies },
      },
      config: {
        access: ACCESS.node,
        rateLimit: {
          max: config.ingest.rateLimitPerNodePerMin,
          timeWindow: 60_000,
          // Per credential: the token's public part, never the secret.
          keyGenerator: (req) => parseToken(bearer(req) ?? '')?.publicId ?? req.ip,
        },
      },
      // Authenticate before the body is parsed: a wrong credential costs no parsing and writes nothing.
      // The arrival is taken first: a lookup waiting on the database must not make the node look late.
      onRequest: async (req) => {
        const receivedAt = clock();
        req.receivedAt = receivedAt;
        const done = services.ingest.watch.begin(receivedAt);
        let auth: AuthenticatedNode | null;
        try {
          auth = await services.credentials.authenticate(bearer(req), receivedAt);
        } catch (e) {
          services.ingest.watch.lose(receivedAt);
          throw e;
        } finally {
          done();
        }
        if (!auth) {
          metrics.ingestRejections.inc({ code: 'FLEET_UNAUTHORIZED' });
          throw new Errors.Unauthorized();
        }
        if (auth.decommissionedAt !== null && auth.decommissionedAt <= receivedAt) {
          metrics.ingestRejections.inc({ code: 'FLEET_NODE_DECOMMISSIONED' });
          throw new Errors.NodeDecommissioned(
            `this node was decommissioned as of ${new Date(auth.decommissionedAt).toISOString()}: its reports are no longer accepted`,
          );
        }
        req.node = auth;
      },
    },
    async (req) => {
      const started = performance.now();
      const ack = await services.ingest.ingest(req.node!, req.body, req.receivedAt!);
      metrics.ingestDuration.observe((performance.now() - started) / 1000);
      return ack;
    },
  );
}
