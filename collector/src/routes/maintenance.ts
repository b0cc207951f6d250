/** Maintenance windows: declare (ahead of time), list, delete or cancel. Applied at read time to every uptime figure. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Text } from '@timmy/shared';
import { Errors } from '../errors.ts';
import { parseId } from '../refs.ts';
import { MAINTENANCE_SCOPES, RECURRENCES } from '../sla/maintenance.ts';
import { declareMaintenance } from '../services/maintenance.ts';
import { listWindows, withdrawWindow, type StoredWindow } from '../stores/maintenance.ts';
import { ACCESS } from '../auth/access.ts';

const Ref = Text({ minLength: 1, maxLength: 128 });
const Declaration = Type.Object(
  {
    scope: Type.Union(MAINTENANCE_SCOPES.map((s) => Type.Literal(s))),
    node: Type.Optional(Ref),
    operator: Type.Optional(Ref),
    region: Type.Optional(Ref),
    start: Type.String({ format: 'date-time', description: 'first (or only) occurrence start; must not be in the past' }),
    end: Type.String({ format: 'date-time' }),
    recurrence: Type.Optional(
      Type.Union(
        RECURRENCES.map((s) => Type.Literal(s)),
        { description: 'repeat the window every day or week (UTC) after the first' },
      ),
    ),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'recurring: no occurrence starts at or after this time' })),
    declaredBy: Text({ minLength: 1, maxLength: 128 }),
    reason: Text({ minLength: 1, maxLength: 1000 }),
  },
  { additionalProperties: false },
);

const WindowView = Type.Object({
  id: Type.Integer(),
  scope: Type.String(),
  target: Type.Union([Type.String(), Type.Null()], { description: 'node id, operator id or region name; null for the fleet' }),
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  recurrence: Type.Union([Type.String(), Type.Null()]),
  until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  declaredBy: Type.String(),
  reason: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  cancelledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const view = (d: StoredWindow): Static<typeof WindowView> => ({
  id: d.id,
  scope: d.scope,
  target: d.target,
  start: iso(d.start)!,
  end: iso(d.end)!,
  recurrence: d.recurrence,
  until: iso(d.until),
  declaredBy: d.declaredBy,
  reason: d.reason,
  createdAt: iso(d.createdAt)!,
  cancelledAt: iso(d.cancelledAt),
});

export default async function maintenanceRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { database, clock } = app.deps;
  const sql = database.sql;

  app.post(
    '/v1/admin/maintenance',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags: ['maintenance'],
        summary: 'Declare a maintenance window (one-off or recurring) for a node, operator, region or the fleet.',
        security: [{ adminToken: [] }],
        body: Declaration,
        response: { 201: WindowView, 400: { $ref: 'ErrorReply#' }, 404: { $ref: 'ErrorReply#' }, 422: { $ref: 'ErrorReply#' } },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const w = await declareMaintenance(
        sql,
        {
          ...b,
          start: Date.parse(b.start),
          end: Date.parse(b.end),
          recurrence: b.recurrence ?? null,
          until: b.until ? Date.parse(b.until) : null,
        },
        clock(),
      );
      return reply.status(201).send(view(w));
    },
  );

  app.get(
    '/v1/maintenance',
    {
      config: { access: ACCESS.staff },
      schema: {
        tags: ['maintenance'],
        summary: 'Declared maintenance windows, newest first (cancelled ones included, with cancelledAt).',
        querystring: Type.Object(
          { scope: Type.Optional(Type.Union(MAINTENANCE_SCOPES.map((s) => Type.Literal(s)))) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(WindowView) },
      },
    },
    async (req) => (await listWindows(sql, req.query.scope, 1000)).map(view),
  );

  app.delete(
    '/v1/admin/maintenance/:id',
    {
      config: { access: ACCESS.admin },
      schema: {
        tags: ['maintenance'],
        summary: 'Delete a window that has not started; cancel one that has (time already spent stays MAINTENANCE).',
        security: [{ adminToken: [] }],
        params: Type.Object({ id: Type.String({ description: 'the window id' }) }),
        querystring: Type.Object({ by: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            id: Type.Integer(),
            deleted: Type.Boolean(),
            cancelledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          }),
          404: { $ref: 'ErrorReply#' },
        },
      },
    },
    async (req) => {
      const id = parseId(req.params.id, 'maintenance window');
      const r = await withdrawWindow(sql, id, clock(), req.query.by ?? 'admin');
      if (!r) throw new Errors.NotFound(`no maintenance window ${id}`);
      return { id, deleted: r.deleted, cancelledAt: iso(r.cancelledAt) };
    },
  );
}
