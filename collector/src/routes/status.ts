/**
 * GET /v1/status: the public status page's data, no sign-in. One answer per 30 s per collector (computed
 * once, whoever asks; after 30 s the last one is still answered while the next is computed), with
 * `Cache-Control: public, max-age=` its remaining freshness and an ETag (304 when unchanged).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { StatusPage } from '@timmy/shared';
import { ACCESS } from '../auth/access.ts';
import { thresholdsOf } from '../services/sla.ts';
import { statusPage } from '../services/status-page.ts';
import { Refreshing } from '../services/refreshing.ts';

export const STATUS_MAX_AGE_S = 30;

export default async function statusRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { database, clock, config, services } = app.deps;
  const deps = {
    sql: database.sql,
    thresholds: thresholdsOf(config),
    regionDays: services.regionDays,
    spans: (from: number, to: number) => services.observation.spans(from, to),
  };
  const page = new Refreshing(
    STATUS_MAX_AGE_S * 1000,
    async (now) => {
      const body = JSON.stringify(await statusPage(deps, now));
      return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    },
    (e) => app.log.error({ err: e }, 'status page refresh failed'),
  );

  // Untyped: the body is the cached JSON text, sent as it is (serialized once per 30 s).
  base.get(
    '/v1/status',
    {
      config: { access: ACCESS.everyone },
      schema: {
        tags: ['status'],
        summary:
          'The public status page: fleet and regions with 90-day bars, incidents under way, maintenance, the days the monitoring was not observing. No sign-in; nothing private. Cached 30 s (ETag).',
        response: { 200: StatusPage, 304: { type: 'null', description: 'not modified (If-None-Match)' } },
      },
    },
    async (req, reply) => {
      const { at, v: c } = await page.get(clock());
      const age = Math.max(0, Math.floor((clock() - at) / 1000));
      reply.header('cache-control', `public, max-age=${Math.max(0, STATUS_MAX_AGE_S - age)}`).header('etag', c.etag);
      const match = req.headers['if-none-match'];
      if (match?.split(',').some((t) => t.trim() === c.etag || t.trim() === `W/${c.etag}`)) return reply.code(304).send(null);
      return reply.type('application/json; charset=utf-8').send(c.body);
    },
  );
}
