/** The weekly fleet and monthly program reports on demand, as Markdown, CSV or JSON. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ACCESS } from '../auth/access.ts';
import { FORMATS } from '../reports/document.ts';
import { REPORT_KIND_NAMES } from '../reports/registry.ts';

const err = { $ref: 'ErrorReply#' };

export default async function fleetReportRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const reports = app.deps.services.reports;
  app.get(
    '/v1/reports/:kind',
    {
      config: { access: ACCESS.staff },
      schema: {
        tags: ['reports'],
        summary: `A report: ${REPORT_KIND_NAMES.join(', ')}. \`period\` is an ISO week (2026-W48) for weekly kinds and a month (2026-11) for monthly ones, UTC; without it, the period in progress. \`format\`: ${FORMATS.join(', ')} (default md).`,
        params: Type.Object({ kind: Type.String() }),
        querystring: Type.Object({ period: Type.Optional(Type.String()), format: Type.Optional(Type.String()) }),
        response: { 200: Type.String(), 400: err, 401: err, 403: err, 404: err },
      },
    },
    async (req, reply) => {
      const r = await reports.render(req.params.kind, req.query.period, req.query.format);
      return reply
        .type(r.contentType)
        .header('content-disposition', `inline; filename="${r.kind}-${r.period.id}.${r.format}"`)
        .send(r.body);
    },
  );
}
