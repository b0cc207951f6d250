/** Request guards shared by routes: bearer tokens and the admin check. */
import type { FastifyRequest } from 'fastify';
import { isAdminToken } from '../auth/principal.ts';
import { Errors } from '../errors.ts';

export function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

function checkAdminToken(req: FastifyRequest, disabled: string): void {
  const expected = req.server.deps.config.adminToken;
  const got = bearer(req);
  if (!expected) throw new Errors.Forbidden(disabled);
  if (!got || !isAdminToken(got, expected)) throw new Errors.Unauthorized();
}

/** Admin endpoints: the configured admin token, compared in constant time. */
export async function requireAdmin(req: FastifyRequest): Promise<void> {
  checkAdminToken(
    req,
    'admin endpoints are disabled: no admin token is configured; set TIMMY_ADMIN_TOKEN (config file: adminToken) and restart the collector',
  );
}

/** Read endpoints: the admin token, unless anonymous reads are allowed (local main job). */
export async function requireReader(req: FastifyRequest): Promise<void> {
  if (req.server.deps.config.anonymousRead) return;
  checkAdminToken(
    req,
    'reads are disabled: no admin token is configured and anonymous reads are off; set TIMMY_ADMIN_TOKEN (config file: adminToken) to read with that token, or TIMMY_ANONYMOUS_READ=true (anonymousRead) to allow reads without one, and restart the collector',
  );
}
