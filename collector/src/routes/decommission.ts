/** Retiring a node: by an admin, or by the node itself (its uninstall script) with its own credential. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { decommissionNode, parseDecommissionAt, type DecommissionResult } from '../services/decommission.ts';
import { Errors } from '../errors.ts';
import { bearer } from './guards.ts';
import { ACCESS } from '../auth/access.ts';

const Reason = Type.String({ minLength: 1, maxLength: 500, description: 'why (kept with the node)' });
const Reply = Type.Object({
  node: Type.String(),
  nodeId: Type.Integer(),
  decommissionedAt: Type.String({ format: 'date-time' }),
  reason: Type.Union([Type.String(), Type.Null()]),
  changed: Type.Boolean({ description: 'false when the node was decommissioned already' }),
  resolvedIncidents: Type.Integer({ description: 'open incidents that concerned this node alone, resolved with cause "decommissioned"' }),
});
const err = { $ref: 'ErrorReply#' };
const SEMANTICS =
  'History is kept; alerts stop (its open incidents are resolved with cause "decommissioned"); it is left out of every figure after that time; its reports are refused with FLEET_NODE_DECOMMISSIONED (410). Twice is a no-op.';

/** A POST with no body at all is an empty one (`curl -X POST` from a script). */
const noBodyIsEmpty = async (req: FastifyRequest) => {
  req.body ??= {};
};

const view = (r: DecommissionResult) => ({
  node: r.name,
  nodeId: r.nodeId,
  decommissionedAt: new Date(r.decommissionedAt).toISOString(),
  reason: r.reason,
  changed: r.changed,
  resolvedIncidents: r.resolvedIncidents,
});

export default async function decommissionRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { database, services, clock } = app.deps;
  const resolve = services.alerts.resolve;
  // This collector refuses the node's next report at once (others hear of it by NOTIFY).
  const done = (r: DecommissionResult) => (services.credentials.invalidate(r.nodeId), view(r));

  app.post(
    '/v1/admin/nodes/:node/decommission',
    {
      config: { access: ACCESS.admin },
      preValidation: noBodyIsEmpty,
      schema: {
        tags: ['admin'],
        summary: `Decommission (retire) a node as of \`at\` (default now; never in the future). ${SEMANTICS}`,
        security: [{ adminToken: [] }],
        params: Type.Object({ node: Type.String({ minLength: 1, maxLength: 128 }) }),
        body: Type.Object(
          { at: Type.Optional(Type.String({ format: 'date-time' })), reason: Type.Optional(Reason) },
          { additionalProperties: false },
        ),
        response: { 200: Reply, 400: err, 401: err, 404: err },
      },
    },
    async (req) => {
      const now = clock();
      const body = req.body;
      return done(
        await decommissionNode(
          database,
          resolve,
          req.params.node,
          { at: parseDecommissionAt(body.at, now), ...(body.reason ? { reason: body.reason } : {}), by: 'admin' },
          now,
        ),
      );
    },
  );

  app.post(
    '/v1/node/decommission',
    {
      config: { access: ACCESS.node },
      preValidation: noBodyIsEmpty,
      schema: {
        tags: ['nodes'],
        summary: `A node retires itself, now (what \`timmy-fleet decommission\` and the uninstall script call), authenticated by its own credential. ${SEMANTICS}`,
        security: [{ nodeCredential: [] }],
        body: Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false }),
        response: { 200: Reply, 400: err, 401: err },
      },
    },
    async (req) => {
      const now = clock();
      const auth = await services.credentials.authenticate(bearer(req), now);
      if (!auth) throw new Errors.Unauthorized();
      const reason = req.body.reason;
      return done(await decommissionNode(database, resolve, auth.nodeId, { at: now, ...(reason ? { reason } : {}), by: 'node' }, now));
    },
  );
}
