/**
 * The collector's HTTP face, built from its dependencies (no globals): routes are thin, each one a
 * schema and a call into a service. Tests build it with a real database and an injected clock.
 */
import { readFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Transform } from 'node:stream';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { Metrics } from './metrics/registry.ts';
import type { Services } from './services/index.ts';
import { FASTIFY_CODE_MAP } from './errors.ts';
import { routes } from './routes/index.ts';
import { ErrorReply } from '@timmy/shared';

export interface AppDeps {
  config: Config;
  database: Database;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  services: Services;
  version: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const opts: FastifyServerOptions = {
    loggerInstance: deps.log as never,
    bodyLimit: config.ingest.bodyLimitBytes,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 65_000,
    logController: new LogController({ disableRequestLogging: true }),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: true } },
  };
  // TLS served by the collector itself (Fastify takes https options at construction; listen() then
  // serves HTTPS). The alternative, a reverse proxy terminating TLS, is deploy/nginx/timmy-collector.conf.
  const https = config.tlsCertFile && config.tlsKeyFile ? { cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) } : null;
  const app = Fastify({ ...opts, ...(https ? { https } : {}) } as FastifyServerOptions).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('deps', deps);
  app.addSchema(ErrorReply);

  // Compressed request bodies: the body limit applies to the decompressed size as well.
  app.addHook('preParsing', async (req, _reply, payload) => {
    const enc = req.headers['content-encoding'];
    if (!enc || enc === 'identity') return payload;
    if (enc !== 'gzip') throw Object.assign(new Error(`unsupported content-encoding "${enc}"`), { statusCode: 415, code: 'FLEET_UNSUPPORTED_MEDIA_TYPE' });
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        received += chunk.length;
        (out as unknown as { receivedEncodedLength: number }).receivedEncodedLength = received;
        cb(null, chunk);
      },
    });
    const out = payload.pipe(counter).pipe(createGunzip());
    out.on('error', () => {});
    return out;
  });

  app.setErrorHandler((err, req, reply) => {
    const e = err as Error & { statusCode?: number; code?: string; validation?: unknown[]; details?: unknown[] };
    const mapped = e.code ? FASTIFY_CODE_MAP[e.code] : undefined;
    let status = mapped?.status ?? e.statusCode ?? 500;
    let code = mapped?.code ?? (e.code?.startsWith('FLEET_') ? e.code : undefined);
    if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') {
      status = 400;
      code = 'FLEET_BAD_REQUEST';
    }
    if (status === 429) code = 'FLEET_RATE_LIMITED';
    code ??= status >= 500 ? 'FLEET_INTERNAL' : 'FLEET_BAD_REQUEST';
    deps.metrics.httpErrors.inc({ status: String(status), code });
    if (status >= 500 && code !== 'FLEET_UNAVAILABLE') {
      req.log.error({ err: e, url: req.routeOptions.url }, 'request failed');
      return reply.status(500).send({ statusCode: 500, code: 'FLEET_INTERNAL', error: 'Internal Server Error', message: 'internal error; see the collector log' });
    }
    if (status >= 500) req.log.warn({ err: e.cause ?? e, url: req.routeOptions.url }, 'unavailable');
    const details = e.validation ?? e.details;
    return reply.status(status).send({
      statusCode: status,
      code,
      error: status === 429 ? 'Too Many Requests' : status >= 500 ? 'Service Unavailable' : 'Bad Request',
      message: e.message,
      ...(details ? { details } : {}),
    });
  });

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, code: 'FLEET_RATE_LIMITED', error: 'Too Many Requests', message: `rate limit exceeded; retry in ${Math.ceil(ctx.ttl / 1000)} s` }),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Timmy Fleet collector', version: deps.version, description: 'Ingest from agents, uptime and SLA figures, administration.' },
      components: { securitySchemes: { nodeCredential: { type: 'http', scheme: 'bearer' }, adminToken: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const r of routes) await app.register(r);
  return app;
}
