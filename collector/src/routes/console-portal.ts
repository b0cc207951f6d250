/**
 * What the operator portal changes beyond the fleet-wide API (whose writes are for leads and admins):
 * acknowledging one of the operator's incidents, declaring maintenance for a node of theirs, and a fresh
 * enrollment token for the install one-liner. (Their reads: routes/console.ts.)
 * Each is scoped to the operator in the path (`ownOperator`: another operator's answers 404).
 */
import { Type } from '@sinclair/typebox';
import { Incident as IncidentView, Text } from '@timmy/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ACCESS, actorOf } from '../auth/access.ts';
import { Errors } from '../errors.ts';
import { createEnrollmentToken } from '../services/enrollment.ts';
import { declareMaintenance } from '../services/maintenance.ts';
import { RECURRENCES } from '../sla/maintenance.ts';
import { resolveNode } from '../stores/nodes.ts';
import { resolveOperator } from '../stores/operators.ts';
import { ackReply } from './incidents.ts';

const err = { $ref: 'ErrorReply#' };
const tags = ['console'];
const Op = Type.Object({ op: Type.String({ minLength: 1, maxLength: 128, description: 'operator name or id' }) });
const Time = Type.String({ format: 'date-time' });

export default async function consolePortalRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services, database, clock, config } = base.deps;
  const alerts = services.alerts;
  const publicUrl = (req: FastifyRequest) => (config.publicUrl ?? `${req.protocol}://${req.host}`).replace(/\/$/, '');

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
      return ackReply(await alerts.acknowledge(req.params.id, actorOf(req), clock(), { operator: op.name }));
    },
  );

  app.post(
    '/v1/operators/:op/maintenance',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags,
        summary: 'Declare a maintenance window for one of the operator’s nodes (ahead of time, as the admin route does).',
        params: Op,
        body: Type.Object(
          {
            node: Type.String({ minLength: 1, maxLength: 128 }),
            start: Time,
            end: Time,
            recurrence: Type.Optional(Type.Union(RECURRENCES.map((r) => Type.Literal(r)))),
            reason: Text({ minLength: 1, maxLength: 1000 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ id: Type.Integer() }), 400: err, 404: err, 422: err },
      },
    },
    async (req, reply) => {
      const op = await resolveOperator(database.sql, req.params.op);
      const node = await resolveNode(database.sql, req.body.node).catch(() => undefined);
      if (!node || node.operatorId !== op.id) throw new Errors.NotFound(`no node "${req.body.node}" of operator "${req.params.op}"`);
      const w = await declareMaintenance(
        database.sql,
        {
          scope: 'node',
          node: String(node.id),
          start: Date.parse(req.body.start),
          end: Date.parse(req.body.end),
          recurrence: req.body.recurrence ?? null,
          until: null,
          declaredBy: actorOf(req),
          reason: req.body.reason,
        },
        clock(),
      );
      return reply.status(201).send({ id: w.id });
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
