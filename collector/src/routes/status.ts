/**
 * GET /v1/status: the public status page's data, no sign-in. One answer per 30 s per collector (computed
 * once, whoever asks), with `Cache-Control: public, max-age=30` and an ETag (304 when unchanged).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { StatusPage } from '@timmy/shared';
import { ACCESS } from '../auth/access.ts';
import { thresholdsOf } from '../services/sla.ts';
import { statusPage } from '../services/status-page.ts';

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
  let cached: { at: number; body: string; etag: string } | null = null;
  let computing: Promise<{ at: number; body: string; etag: string }> | null = null;
  const current = async () => {
    const now = clock();
    if (cached && now - cached.at < STATUS_MAX_AGE_S * 1000 && now >= cached.at) return cached;
    computing ??= statusPage(deps, now)
      .then((page) => {
        const body = JSON.stringify(page);
        cached = { at: now, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
        return cached;
      })
      .finally(() => {
        computing = null;
      });
    return computing;
  };

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
      const c = await current();
      const age = Math.max(0, Math.floor((clock() - c.at) / 1000));
      reply.header('cache-control', `public, max-age=${Math.max(0, STATUS_MAX_AGE_S - age)}`).header('etag', c.etag);
      const match = req.headers['if-none-match'];
      if (match?.split(',').some((t) => t.trim() === c.etag || t.trim() === `W/${c.etag}`)) return reply.code(304).send(null);
      return reply.type('application/json; charset=utf-8').send(c.body);
    },
  );
}
