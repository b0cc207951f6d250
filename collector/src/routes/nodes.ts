import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { eq } from 'drizzle-orm';
import { nodes, operators } from '../db/schema/index.ts';
import { Errors } from '../errors.ts';
import { calendarMonth, rolling30d } from '../sla/summary.ts';
import { monthOf } from '../sla/budget.ts';
import { listSlaNodes, nodeSla } from '../services/sla.ts';
import { requireReader } from './guards.ts';
import { SlaFields, slaView, thresholdsOf } from './sla-view.ts';

const NodeView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  operator: Type.Union([Type.String(), Type.Null()]),
  region: Type.Union([Type.String(), Type.Null()]),
  state: Type.Union([Type.String(), Type.Null()], { description: 'UP, DOWN, UNKNOWN, MAINTENANCE, or null before the first heartbeat' }),
  stateSince: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastHeartbeatAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  failing: Type.Array(Type.String()),
  agentVersion: Type.Union([Type.String(), Type.Null()]),
  clockSkewMs: Type.Union([Type.Integer(), Type.Null()]),
});

export const WindowQuery = Type.Object(
  {
    window: Type.Optional(Type.Literal('30d', { description: 'rolling 30 days ending now (the default)' })),
    month: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}$', description: 'a calendar month in UTC, e.g. 2026-11' })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    // Query strings are not type-coerced (bodies must not be), so booleans are spelled out.
    intervals: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'include the intervals with their evidence' })),
  },
  { additionalProperties: false },
);

export const UptimeView = Type.Object({
  node: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  ratio: Type.Union([Type.Number(), Type.Null()], { description: 'UP / (UP + DOWN), time-weighted' }),
  upSeconds: Type.Number(),
  downSeconds: Type.Number(),
  unknownSeconds: Type.Number(),
  maintenanceSeconds: Type.Number(),
  untrackedSeconds: Type.Number({ description: 'time before the node\'s first heartbeat' }),
  ...SlaFields,
  intervals: Type.Optional(
    Type.Array(Type.Object({ state: Type.String(), start: Type.String({ format: 'date-time' }), end: Type.String({ format: 'date-time' }), cause: Type.String(), evidence: Type.Record(Type.String(), Type.Unknown()) })),
  ),
});

/** Resolves ?window / ?month / ?from&to into [from, to). */
export function resolveWindow(q: Static<typeof WindowQuery>, now: number): { from: number; to: number } {
  const given = [q.window, q.month, q.from ?? q.to].filter((x) => x !== undefined).length;
  if (given > 1) throw new Errors.BadRequest('give one of window, month, or from/to');
  if (q.month) {
    try {
      const m = calendarMonth(q.month);
      return { from: m.start, to: m.end };
    } catch (e) {
      throw new Errors.BadRequest((e as Error).message);
    }
  }
  if (q.from || q.to) {
    if (!q.from || !q.to) throw new Errors.BadRequest('from and to go together');
    const from = Date.parse(q.from);
    const to = Date.parse(q.to);
    if (!(to > from)) throw new Errors.BadRequest('to must be after from');
    return { from, to };
  }
  const w = rolling30d(now);
  return { from: w.start, to: w.end };
}

const iso = (ms: number) => new Date(ms).toISOString();

export default async function nodeRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { database, clock, config } = app.deps;
  const thresholds = thresholdsOf(config);
  const db = database.db;

  async function findNode(ref: string) {
    const byId = /^\d+$/.test(ref) ? eq(nodes.id, Number(ref)) : eq(nodes.name, ref);
    const [row] = await db.select({ n: nodes, operator: operators.name }).from(nodes).leftJoin(operators, eq(operators.id, nodes.operatorId)).where(byId).limit(1);
    if (!row) throw new Errors.NotFound(`no node "${ref}"`);
    return row;
  }

  const view = (r: Awaited<ReturnType<typeof findNode>>): Static<typeof NodeView> => ({
    id: r.n.id,
    name: r.n.name,
    operator: r.operator ?? null,
    region: r.n.region,
    state: r.n.currentState,
    stateSince: r.n.stateSince ? r.n.stateSince.toISOString() : null,
    lastHeartbeatAt: r.n.lastHbAt ? r.n.lastHbAt.toISOString() : null,
    failing: r.n.failing ?? [],
    agentVersion: r.n.agentVersion,
    clockSkewMs: r.n.clockSkewMs,
  });

  app.get('/v1/nodes', { preHandler: requireReader, schema: { tags: ['nodes'], summary: 'Every node with its current state.', response: { 200: Type.Array(NodeView) } } }, async () => {
    const rows = await db.select({ n: nodes, operator: operators.name }).from(nodes).leftJoin(operators, eq(operators.id, nodes.operatorId)).orderBy(nodes.name);
    return rows.map(view);
  });

  app.get('/v1/nodes/:node', { preHandler: requireReader, schema: { tags: ['nodes'], summary: 'One node (by id or name).', params: Type.Object({ node: Type.String() }), response: { 200: NodeView, 404: { $ref: 'ErrorReply#' } } } }, async (req) =>
    view(await findNode(req.params.node)),
  );

  app.get(
    '/v1/nodes/:node/uptime',
    {
      preHandler: requireReader,
      schema: {
        tags: ['uptime'],
        summary: 'Time-weighted uptime of one node over the rolling 30 days, a calendar month, or [from, to).',
        params: Type.Object({ node: Type.String() }),
        querystring: WindowQuery,
        response: { 200: UptimeView, 400: { $ref: 'ErrorReply#' }, 404: { $ref: 'ErrorReply#' } },
      },
    },
    async (req) => {
      const now = clock();
      const { from, to } = resolveWindow(req.query, now);
      const node = await findNode(req.params.node);
      const [sn] = await listSlaNodes(database.sql, { nodeId: node.n.id, inServiceAfter: 0 }); // a decommissioned node's history too
      const m = req.query.month ? calendarMonth(req.query.month) : monthOf(now);
      // Maintenance applied, held to the operator's tier, with this month's budget and projection.
      const { summary, intervals, ...sla } = await nodeSla(database.sql, thresholds, sn ?? { id: node.n.id, name: node.n.name, operatorId: node.n.operatorId, operator: node.operator, tier: null, region: node.n.region, currentState: node.n.currentState }, { from, to, month: { start: m.start, end: m.end } }, now);
      return {
        node: node.n.name,
        from: iso(summary.from),
        to: iso(summary.to),
        ratio: summary.ratio,
        upSeconds: summary.upMs / 1000,
        downSeconds: summary.downMs / 1000,
        unknownSeconds: summary.unknownMs / 1000,
        maintenanceSeconds: summary.maintenanceMs / 1000,
        untrackedSeconds: summary.untrackedMs / 1000,
        ...slaView(sla),
        ...(req.query.intervals === 'true' ? { intervals: intervals.map((i) => ({ state: i.state, start: iso(i.start), end: iso(i.end), cause: i.cause, evidence: i.evidence })) } : {}),
      };
    },
  );
}
