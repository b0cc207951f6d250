/**
 * What the operator portal needs beyond the fleet-wide API (whose lists are staff only): an operator's
 * own incidents, acknowledging one of them, and a fresh enrollment token for the install one-liner.
 * Each is scoped to the operator in the path (`ownOperator`: another operator's answers 404).
 */
import { Type } from '@sinclair/typebox';
import { Incident as IncidentView } from '@timmy/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ACCESS, actorOf } from '../auth/access.ts';
import { Errors } from '../errors.ts';
import { createEnrollmentToken } from '../services/enrollment.ts';
import { resolveOperator } from '../stores/operators.ts';
import { incidentView } from './incidents.ts';

const err = { $ref: 'ErrorReply#' };
const tags = ['console'];
const Op = Type.Object({ op: Type.String({ minLength: 1, maxLength: 128, description: 'operator name or id' }) });

export default async function consolePortalRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services, database, clock, config } = base.deps;
  const alerts = services.alerts;
  const publicUrl = (req: FastifyRequest) => (config.publicUrl ?? `${req.protocol}://${req.host}`).replace(/\/$/, '');

  app.get(
    '/v1/operators/:op/incidents',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags,
        summary: "An operator's incidents, newest first (unresolved and the last 30 days' resolved).",
        params: Op,
        response: { 200: Type.Object({ incidents: Type.Array(IncidentView) }), 404: err },
      },
    },
    async (req) => {
      const op = await resolveOperator(database.sql, req.params.op);
      const list = await alerts.list({ operator: op.name, from: clock() - 30 * 86_400_000, limit: 100 });
      const open = await alerts.list({ operator: op.name, status: 'unresolved', limit: 100 });
      const seen = new Set<string>();
      const all = [...open, ...list].filter((i) => !seen.has(i.id) && seen.add(i.id));
      return { incidents: all.filter((i) => i.status !== 'resolved').map(incidentView) };
    },
  );

  app.post(
    '/v1/operators/:op/incidents/:id/ack',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags,
        summary: 'Acknowledge an incident on one of the operator’s nodes (recorded as the person acknowledging).',
        params: Type.Object({ op: Op.properties.op, id: Type.String({ minLength: 1, maxLength: 128 }) }),
        response: { 200: Type.Object({ incident: IncidentView, changed: Type.Boolean() }), 404: err, 409: err },
      },
    },
    async (req) => {
      const op = await resolveOperator(database.sql, req.params.op);
      const inc = await alerts.get(req.params.id).catch(() => undefined);
      if (!inc || !incidentView(inc).operators.includes(op.name))
        throw new Errors.NotFound(`no incident ${req.params.id} of operator "${req.params.op}"`);
      const r = await alerts.acknowledge(inc.id, actorOf(req), clock());
      return { incident: incidentView(r.incident), changed: r.changed };
    },
  );

  app.post(
    '/v1/operators/:op/enrollment-tokens',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags,
        summary: 'A fresh single-use enrollment token for one of the operator’s new nodes, with the install one-liner (shown once).',
        params: Op,
        body: Type.Object({}, { additionalProperties: false }),
        response: {
          201: Type.Object({
            token: Type.String(),
            operator: Type.String(),
            expiresAt: Type.String({ format: 'date-time' }),
            command: Type.String(),
          }),
          404: err,
        },
      },
    },
    async (req, reply) => {
      const op = await resolveOperator(database.sql, req.params.op);
      const t = await createEnrollmentToken(database, { operator: op.name, ttlHours: 24, createdBy: actorOf(req) }, clock());
      const url = publicUrl(req);
      return reply.status(201).send({
        token: t.token,
        operator: t.operator,
        expiresAt: new Date(t.expiresAt).toISOString(),
        command: `curl -fsSL ${url}/install.sh | sudo bash -s -- --token ${t.token}`,
      });
    },
  );
}
