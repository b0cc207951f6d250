import type { FastifyInstance } from 'fastify';
import { ACCESS } from '../auth/access.ts';

export default async function metrics(app: FastifyInstance) {
  app.get(
    '/metrics',
    {
      config: { access: ACCESS.everyone },
      schema: { tags: ['metrics'], summary: 'Prometheus exposition of every collector metric.', produces: ['text/plain'] },
    },
    async (_req, reply) => {
      const body = await app.deps.metrics.exposition();
      return reply.type(app.deps.metrics.registry.contentType).send(body);
    },
  );
}
