/** Task imports: task counts per operator and month from outside, as JSON or CSV; idempotent by source id. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CSV_HEADER, parseTaskImport } from '../pay-service/tasks.ts';
import { ACCESS } from '../auth/access.ts';
import { actor } from './months.ts';

const err = { $ref: 'ErrorReply#' };

export default async function taskRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const pay = app.deps.services.pay;
  // CSV bodies reach the route as text (this plugin only).
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post(
    '/v1/admin/tasks/import',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags: ['admin', 'pay'],
        summary: `Import task counts per operator and month: JSON \`{rows: [{sourceId, operator, month, assigned, completed}]}\`, or \`text/csv\` with the header \`${CSV_HEADER.join(',')}\`. Idempotent by source id (the same row again changes nothing; other figures under an imported source id are refused); a closed month is refused (FLEET_MONTH_CLOSED). Every problem is listed and nothing of a refused request is stored.`,
        security: [{ adminToken: [] }],
        body: Type.Union([
          Type.Object({ rows: Type.Array(Type.Unknown(), { maxItems: 100_000 }) }, { additionalProperties: false }),
          Type.String({ maxLength: 10_000_000 }),
        ]),
        response: {
          200: Type.Object({
            imported: Type.Array(Type.String(), { description: 'source ids stored now' }),
            unchanged: Type.Array(Type.String(), { description: 'source ids imported before with the same figures' }),
          }),
          400: err,
          401: err,
          409: err,
        },
      },
    },
    async (req) => pay.importTasks(parseTaskImport(req.body), actor(req)),
  );
}
