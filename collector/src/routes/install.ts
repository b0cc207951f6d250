/**
 * The one-line install: GET /install.sh (with this collector's URL and the bundle's SHA-256 filled in), /uninstall.sh, and the
 * agent as one bundled file with its checksum and systemd unit under /agent/. The bundle is built on
 * first request when agent/dist/ is empty (`pnpm build:agent` does the same ahead of time).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ACCESS } from '../auth/access.ts';

const repo = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const BUNDLE = repo('agent/dist/timmy-fleet.mjs');

let building: Promise<unknown> | undefined;
async function ensureBundle(): Promise<void> {
  if (existsSync(BUNDLE) && existsSync(`${BUNDLE}.sha256`)) return;
  building ??= import(repo('agent/build.ts'))
    .then((m: { buildAgent: () => Promise<unknown> }) => m.buildAgent())
    .finally(() => (building = undefined));
  await building;
}

/** Cached file contents, re-read when the file changes (a rebuilt bundle is served at once). */
const cache = new Map<string, { mtimeMs: number; data: Buffer }>();
function file(path: string): Buffer {
  const m = statSync(path).mtimeMs;
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === m) return hit.data;
  const data = readFileSync(path);
  cache.set(path, { mtimeMs: m, data });
  return data;
}

/** install.sh as served: this collector's URL and the agent bundle's SHA-256 filled in. */
export function installScript(template: string, collectorUrl: string, agentSha256: string): string {
  return template.replace('__COLLECTOR_URL__', collectorUrl).replace('__AGENT_SHA256__', agentSha256);
}

export default async function installRoutes(app: FastifyInstance) {
  const { config } = app.deps;
  const publicUrl = (req: FastifyRequest) => (config.publicUrl ?? `${req.protocol}://${req.host}`).replace(/\/$/, '');
  const hide = { schema: { hide: true }, config: { access: ACCESS.everyone } };

  app.get('/install.sh', hide, async (req, reply) => {
    const url = publicUrl(req);
    if (!/^https?:\/\/[A-Za-z0-9.:[\]_-]+(\/[A-Za-z0-9._~/-]*)?$/.test(url))
      return reply.status(400).send({
        statusCode: 400,
        code: 'FLEET_BAD_REQUEST',
        error: 'Bad Request',
        message: 'cannot tell this collector’s URL: set publicUrl',
      });
    await ensureBundle();
    // The bundle's hash travels inside the script, so the script's origin (this collector over HTTPS)
    // vouches for the bundle wherever its bytes come from.
    const sha256 = file(`${BUNDLE}.sha256`).toString('utf8').split(/\s/)[0]!;
    const text = installScript(file(repo('deploy/install/install.sh')).toString('utf8'), url, sha256);
    return reply.type('text/x-shellscript; charset=utf-8').send(text);
  });
  app.get('/uninstall.sh', hide, async (_req, reply) =>
    reply.type('text/x-shellscript; charset=utf-8').send(file(repo('deploy/install/uninstall.sh'))),
  );
  app.get('/agent/timmy-fleet.service', hide, async (_req, reply) =>
    reply.type('text/plain; charset=utf-8').send(file(repo('deploy/systemd/timmy-fleet.service'))),
  );
  app.get('/agent/timmy-fleet.mjs', hide, async (_req, reply) => {
    await ensureBundle();
    return reply.type('text/javascript; charset=utf-8').send(file(BUNDLE));
  });
  app.get('/agent/timmy-fleet.mjs.sha256', hide, async (_req, reply) => {
    await ensureBundle();
    return reply.type('text/plain; charset=utf-8').send(file(`${BUNDLE}.sha256`));
  });
}
