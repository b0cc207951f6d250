import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ACCESS } from '../auth/access.ts';

export default async function health(app: FastifyInstance) {
  app.get(
    '/healthz',
    {
      config: { access: ACCESS.everyone },
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers.',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: ACCESS.everyone },
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database takes writes and this collector is recording its observation.',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), observing: Type.Boolean() }),
          503: Type.Object({ status: Type.Literal('not_ready'), reason: Type.String() }),
        },
      },
    },
    async (_req, reply) => {
      // Writable, not just answering: a primary being demoted (switchover) or a standby answers reads
      // but refuses every write, so reports could not be acknowledged.
      let readOnly: boolean;
      try {
        const [row] = await app.deps.database.sql`select current_setting('transaction_read_only') = 'on' as ro`;
        readOnly = row?.ro === true;
      } catch {
        return reply.status(503).send({ status: 'not_ready' as const, reason: 'database unreachable' });
      }
      if (readOnly) return reply.status(503).send({ status: 'not_ready' as const, reason: 'database read-only (no writable primary)' });
      const observing = app.deps.services.observation.observingSince !== null;
      if (!observing) return reply.status(503).send({ status: 'not_ready' as const, reason: 'not observing yet' });
      return { status: 'ready' as const, observing };
    },
  );
}
