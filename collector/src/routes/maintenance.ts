/** Maintenance windows: declare (ahead of time), list, delete or cancel. Applied at read time to every uptime figure. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Text } from '@timmy/shared';
import { Errors } from '../errors.ts';
import { parseId, parseRef } from '../refs.ts';
import { MAINTENANCE_SCOPES, RECURRENCES, validateDeclaration, type DeclarationProblem, type MaintenanceDef } from '../sla/maintenance.ts';
import { toDef } from '../services/uptime.ts';
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

const PROBLEM_TEXT: Record<DeclarationProblem, string> = {
  in_past: 'maintenance is declared ahead: start must not be in the past',
  empty: 'end must be after start',
  longer_than_period: 'a recurring window must be shorter than its period',
  until_before_start: 'until must be after start',
  target_required: 'this scope needs its node, operator or region',
  target_forbidden: 'a fleet window names no node, operator or region',
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const view = (d: MaintenanceDef, createdAt: Date): Static<typeof WindowView> => ({
  id: d.id,
  scope: d.scope,
  target: d.target,
  start: iso(d.start)!,
  end: iso(d.end)!,
  recurrence: d.recurrence,
  until: iso(d.until),
  declaredBy: d.declaredBy,
  reason: d.reason,
  createdAt: createdAt.toISOString(),
  cancelledAt: iso(d.cancelledAt),
});

export default async function maintenanceRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { database, clock } = app.deps;
  const sql = database.sql;

  async function resolveTarget(b: Static<typeof Declaration>): Promise<string | null> {
    const given = [b.node, b.operator, b.region].filter((x) => x !== undefined);
    const wanted = b.scope === 'fleet' ? 0 : 1;
    if (given.length !== wanted || (b.scope !== 'fleet' && b[b.scope] === undefined))
      throw new Errors.BadRequest(
        b.scope === 'fleet' ? PROBLEM_TEXT.target_forbidden : `scope ${b.scope} needs "${b.scope}" (and nothing else)`,
      );
    if (b.scope === 'node') {
      const ref = parseRef(b.node!, 'node');
      const [r] =
        ref.id !== undefined
          ? await sql`select id::int8 as id from nodes where id = ${ref.id}`
          : await sql`select id::int8 as id from nodes where name = ${ref.name}`;
      if (!r) throw new Errors.NotFound(`no node "${b.node}"`);
      return String(r.id);
    }
    if (b.scope === 'operator') {
      const ref = parseRef(b.operator!, 'operator');
      const [r] =
        ref.id !== undefined
          ? await sql`select id::int8 as id from operators where id = ${ref.id}`
          : await sql`select id::int8 as id from operators where name = ${ref.name}`;
      if (!r) throw new Errors.NotFound(`no operator "${b.operator}"`);
      return String(r.id);
    }
    return b.region ?? null;
  }

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
      const now = clock();
      const target = await resolveTarget(b);
      const d = {
        scope: b.scope,
        target,
        start: Date.parse(b.start),
        end: Date.parse(b.end),
        recurrence: b.recurrence ?? null,
        until: b.until ? Date.parse(b.until) : null,
      };
      const problems = validateDeclaration(d, now);
      if (problems.includes('in_past')) throw new Errors.MaintenanceInPast(PROBLEM_TEXT.in_past);
      if (problems.length) throw new Errors.BadRequest(problems.map((p) => PROBLEM_TEXT[p]).join('; '));
      const [row] = await sql`
        insert into maintenance_windows (scope, target, starts_at, ends_at, recurrence, until_at, declared_by, reason, created_at)
        values (${d.scope}, ${d.target}, ${new Date(d.start)}, ${new Date(d.end)}, ${d.recurrence}, ${d.until === null ? null : new Date(d.until)}, ${b.declaredBy}, ${b.reason}, ${new Date(now)})
        returning *`;
      return reply.status(201).send(view(toDef(row!), row!.created_at as Date));
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
    async (req) => {
      const rows =
        await sql`select * from maintenance_windows ${req.query.scope ? sql`where scope = ${req.query.scope}` : sql``} order by starts_at desc, id desc limit 1000`;
      return rows.map((r) => view(toDef(r), r.created_at as Date));
    },
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
      const now = new Date(clock());
      const deleted = await sql`delete from maintenance_windows where id = ${id} and starts_at > ${now} returning id`;
      if (deleted.length) return { id, deleted: true, cancelledAt: null };
      const [row] = await sql`
        update maintenance_windows set cancelled_at = coalesce(cancelled_at, ${now}), cancelled_by = coalesce(cancelled_by, ${req.query.by ?? 'admin'})
        where id = ${id} returning cancelled_at`;
      if (!row) throw new Errors.NotFound(`no maintenance window ${id}`);
      return { id, deleted: false, cancelledAt: (row.cancelled_at as Date).toISOString() };
    },
  );
}
