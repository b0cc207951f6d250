/**
 * The collector's HTTP face, built from its dependencies (no globals): routes are thin, each one a
 * schema and a call into a service. Tests build it with a real database and an injected clock.
 */
import { readFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Transform } from 'node:stream';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  type RequestPayload,
} from 'fastify';
import { SerializerSelector, type SerializerCompiler, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';
import AjvCompiler from '@fastify/ajv-compiler';
import type { AnySchema, ValidateFunction } from 'ajv';
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
import { codeForStatus, Errors, FASTIFY_CODE_MAP, reasonPhrase } from './errors.ts';
import { routes } from './routes/index.ts';
import { gzipReply } from './reply-gzip.ts';
import { ACCESS, installAccess } from './auth/access.ts';
import { ERROR_CODES, ErrorReply, TEXT_FORMAT, TEXT_FORMAT_RULE, isStorableText, wireFormats, type ErrorCode } from '@timmy/shared';

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

/** The schemas not compiled yet, each as the function that compiles it (see `compileAllSchemas`). */
const uncompiled = new Set<() => void>();
/**
 * Compiles every schema of the apps built so far that no request has needed yet, and says how many: a
 * schema that cannot compile throws here (the test of every route's schemas) rather than on its route's
 * first request.
 */
export function compileAllSchemas(): number {
  const all = [...uncompiled];
  for (const compile of all) compile();
  return all.length;
}
/** `make` run once, when the returned function is first called or `compileAllSchemas` runs. */
function lazily<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  const get = () => {
    if (!made) {
      made = { value: make() };
      uncompiled.delete(get);
    }
    return made.value;
  };
  uncompiled.add(get);
  return get;
}

/**
 * Fastify's own compilers (Ajv for request schemas, fast-json-stringify for replies), each schema compiled
 * when a request first needs it rather than when its route is registered, and a reply's serializer once
 * per schema object in a process rather than once per route, status and app.
 *
 * - Lazily: a collector answers a handful of its hundred-odd routes in most of its life (agents push
 *   reports; Prometheus scrapes), and compiling every schema up front was most of a start's own work
 *   (ajv, fast-json-stringify and the schema walkers: 0.4 of the 1.3 s of CPU on the main thread before
 *   it listens). A start is on the path of every restart and failover storm, and of every test that
 *   starts a collector. A schema error then shows on its route's first request, not at start: every route
 *   is compiled in routes/schemas-compile.test.ts.
 * - Once per schema object: most routes share their error replies' schema objects, and the in-process
 *   tests build dozens of apps in one worker (a later app's start: 0.7 s of CPU, 0.27 s with it). A
 *   serializer depends only on its schema, the shared schemas and the serializer options; the last two
 *   key the cache.
 */
const compileValidator = AjvCompiler();
const lazyValidators = (...factoryArgs: Parameters<typeof compileValidator>) => {
  const compile = compileValidator(...factoryArgs);
  // Fastify passes the route's schema definition ({ schema, method, url, httpPart }) as `route`.
  return (route: AnySchema) => {
    const fn = lazily(() => compile(route) as ValidateFunction);
    // Fastify reads a failed validation's errors from the function it called.
    const validate = ((data: unknown) => {
      const v = fn();
      const ok = v(data);
      validate.errors = v.errors;
      return ok;
    }) as ValidateFunction;
    return validate;
  };
};
const compileSerializer = SerializerSelector();
const serializers = new Map<string, WeakMap<object, ReturnType<SerializerCompiler>>>();
const lazySerializers: SerializerFactory = (externalSchemas, options) => {
  const compile = compileSerializer(externalSchemas, options);
  const key = JSON.stringify([externalSchemas, options]);
  let compiled = serializers.get(key);
  if (!compiled) serializers.set(key, (compiled = new WeakMap()));
  const cache = compiled;
  return (route) => {
    const schema = route.schema;
    const fn = lazily(() => {
      if (typeof schema !== 'object' || schema === null) return compile(route);
      let f = cache.get(schema);
      if (!f) cache.set(schema, (f = compile(route)));
      return f;
    });
    return (data) => fn()(data);
  };
};
/** Fastify's schema compilers as the collector's app uses them (`schemaController.compilersFactory`). */
export const schemaCompilers = { buildValidator: lazyValidators, buildSerializer: lazySerializers };

/** The certificate and key of a collector serving HTTPS itself (tlsCertFile, tlsKeyFile), or null. */
export function tlsOptions(config: Pick<Config, 'tlsCertFile' | 'tlsKeyFile'>): { cert: Buffer; key: Buffer } | null {
  return config.tlsCertFile && config.tlsKeyFile ? { cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) } : null;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  // One error reply for every failure: route errors, Fastify's own (bad URL, parameter too long, body
  // parsing), unknown routes. Each carries a FLEET_* code and its status's reason phrase.
  function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
    const e = err as Error & { statusCode?: number; code?: string; validation?: unknown[]; details?: unknown[] };
    const mapped = e.code ? FASTIFY_CODE_MAP[e.code] : undefined;
    let status = mapped?.status ?? e.statusCode ?? 500;
    if (status < 400 || status > 599) status = 500;
    let code: ErrorCode | undefined = mapped?.code ?? (ERROR_CODES.includes(e.code as ErrorCode) ? (e.code as ErrorCode) : undefined);
    if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') {
      status = 400;
      code = 'FLEET_BAD_REQUEST';
    }
    if (status === 429) code = 'FLEET_RATE_LIMITED';
    code ??= codeForStatus(status);
    deps.metrics.httpErrors.inc({ status: String(status), code });
    if (status >= 500 && code !== 'FLEET_UNAVAILABLE') {
      req.log.error({ err: e, url: req.url.split('?')[0] }, 'request failed');
      return reply
        .status(500)
        .send({ statusCode: 500, code: 'FLEET_INTERNAL', error: reasonPhrase(500), message: 'internal error; see the collector log' });
    }
    if (status >= 500) req.log.warn({ err: e.cause ?? e, url: req.url.split('?')[0] }, 'unavailable');
    const details = e.validation ?? e.details;
    return reply
      .status(status)
      .send({ statusCode: status, code, error: reasonPhrase(status), message: e.message, ...(details ? { details } : {}) });
  }

  const opts: FastifyServerOptions = {
    loggerInstance: deps.log as never,
    bodyLimit: config.ingest.bodyLimitBytes,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 65_000,
    logController: new LogController({ disableRequestLogging: true }),
    schemaController: { compilersFactory: schemaCompilers },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // The wire formats (TEXT_FORMAT: no NUL byte, no lone surrogate) come from @timmy/shared, as the agent's do.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: true, formats: { ...wireFormats } },
    },
    // Errors Fastify answers before any route (a bad URL encoding, a path parameter too long).
    frameworkErrors: (err, req, reply) => sendError(err, req, reply),
    // Schema problems name the field; the text rule is spelled out rather than as `must match format "text"`.
    schemaErrorFormatter: (errors, dataVar) =>
      new Error(
        errors
          .map(
            (e) =>
              `${dataVar}${e.instancePath} ${e.keyword === 'format' && e.params.format === TEXT_FORMAT ? TEXT_FORMAT_RULE : e.message}`,
          )
          .join(', '),
      ),
  };
  // TLS served by the collector itself (Fastify takes https options at construction; listen() then
  // serves HTTPS). The alternative, a reverse proxy terminating TLS, is deploy/nginx/timmy-collector.conf.
  const https = tlsOptions(config);
  const app = Fastify({ ...opts, ...(https ? { https } : {}) } as FastifyServerOptions).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('deps', deps);
  app.addSchema(ErrorReply);

  // Path and query values reach SQL as text: refuse what PostgreSQL cannot store (NUL, lone surrogates)
  // for every route at once. Bodies are checked by their schemas (the wire TEXT_FORMAT).
  app.addHook('preValidation', async (req) => {
    const bad = unstorableAt(req.params, 'params') ?? unstorableAt(req.query, 'querystring');
    if (bad) throw new Errors.BadRequest(`${bad} ${TEXT_FORMAT_RULE}`);
  });
  installAccess(app, deps.services.program);
  app.setNotFoundHandler(async (req) => {
    throw new Errors.NotFound(`no route ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}`);
  });

  // Compressed request bodies: the body limit applies to the decompressed size as well.
  app.addHook('preParsing', async (req, _reply, payload) => {
    const enc = req.headers['content-encoding'];
    if (!enc || enc === 'identity') return payload;
    if (enc !== 'gzip') throw new Errors.UnsupportedMediaType(`unsupported content-encoding "${enc}"`);
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        received += chunk.length;
        out.receivedEncodedLength = received;
        cb(null, chunk);
      },
    });
    const out: RequestPayload = payload.pipe(counter).pipe(createGunzip());
    out.on('error', () => {});
    return out;
  });

  // Server-Timing: the collector's own time for the request (received → reply sent to the socket), so a
  // browser's devtools and bench:ui tell the server's share of a call from the network's and the queue's.
  // Large JSON and text go gzipped to clients that take it (reply-gzip.ts), timed with the rest.
  app.addHook('onSend', async (req, reply, payload) => {
    const gz = gzipReply({
      acceptEncoding: req.headers['accept-encoding'],
      contentType: reply.getHeader('content-type'),
      encoded: reply.hasHeader('content-encoding'),
      payload,
    });
    if (gz) {
      const vary = reply.getHeader('vary');
      reply
        .header('content-encoding', 'gzip')
        .header('vary', vary ? `${String(vary)}, accept-encoding` : 'accept-encoding')
        .removeHeader('content-length');
    }
    reply.header('server-timing', `app;dur=${reply.elapsedTime.toFixed(1)}`);
    return gz ?? payload;
  });
  app.setErrorHandler(sendError);

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      code: 'FLEET_RATE_LIMITED',
      error: 'Too Many Requests',
      message: `rate limit exceeded; retry in ${Math.ceil(ctx.ttl / 1000)} s`,
    }),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Timmy Fleet collector',
        version: deps.version,
        description: 'Ingest from agents, uptime and SLA figures, administration.',
      },
      components: {
        securitySchemes: { nodeCredential: { type: 'http', scheme: 'bearer' }, adminToken: { type: 'http', scheme: 'bearer' } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true }, config: { access: ACCESS.everyone } }, async () => app.swagger());

  for (const r of routes) await app.register(r);
  return app;
}

/** The first string inside `value` (params, query) that the database cannot store, as `where/key`. */
function unstorableAt(value: unknown, where: string): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : where;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const bad = unstorableAt(v, `${where}/${k}`);
    if (bad) return bad;
  }
  return undefined;
}

/** What a collector without an admin token cannot do, and what to set: logged when it starts serving. */
export function accessWarning(config: Pick<Config, 'adminToken' | 'anonymousRead'>): string | undefined {
  if (config.adminToken) return undefined;
  return config.anonymousRead
    ? 'no admin token configured: /v1/admin endpoints are disabled; set TIMMY_ADMIN_TOKEN (adminToken) to enable them'
    : 'no admin token configured: /v1/admin endpoints and every read are disabled; set TIMMY_ADMIN_TOKEN (adminToken), or TIMMY_ANONYMOUS_READ=true for reads without a token';
}
