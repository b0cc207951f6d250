import { Type, type Static } from '@sinclair/typebox';
import { StateIntervalView } from '@timmy/shared';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { nodeSla, thresholdsOf } from '../services/sla.ts';
import { listNodes, listNodesInState, resolveNode, type NodeRecord, type StateFilter } from '../stores/nodes.ts';
import { maintenanceInForce, maintenanceNow } from '../services/maintenance.ts';
import { Errors } from '../errors.ts';
import { totalsInSeconds } from '../sla/budget.ts';
import { stateNow } from '../sla/maintenance.ts';
import { SlaFields, WindowQuery, retentionOf, slaView, slaWindow } from './sla-view.ts';
import { ACCESS, listOperator } from '../auth/access.ts';

type MaintenanceLookup = Awaited<ReturnType<typeof maintenanceNow>>;

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

export const UptimeView = Type.Object({
  node: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  ratio: Type.Union([Type.Number(), Type.Null()], { description: 'UP / (UP + DOWN), time-weighted' }),
  upSeconds: Type.Number(),
  downSeconds: Type.Number(),
  unknownSeconds: Type.Number(),
  maintenanceSeconds: Type.Number(),
  untrackedSeconds: Type.Number({ description: "time before the node's first heartbeat" }),
  ...SlaFields,
  intervals: Type.Optional(Type.Array(StateIntervalView)),
});

const iso = (ms: number) => new Date(ms).toISOString();

/** What `?state=` takes: a state now, or `untracked` (no heartbeat yet). */
export const STATE_FILTERS: readonly StateFilter[] = ['UP', 'DOWN', 'UNKNOWN', 'MAINTENANCE', 'untracked'];
/** The most nodes one list answers with a limit. */
const MAX_LIST = 10_000;

/** The list's `?state=` and `?limit=`, checked (FLEET_BAD_REQUEST naming what is allowed). */
function listQuery(q: { state?: string; limit?: string }): { state?: StateFilter; limit?: number } {
  const state = q.state === undefined ? undefined : STATE_FILTERS.find((s) => s === q.state);
  if (q.state !== undefined && state === undefined)
    throw new Errors.BadRequest(`unknown state "${q.state}": state is one of ${STATE_FILTERS.join(', ')}`);
  const limit = q.limit === undefined ? undefined : Number(q.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= MAX_LIST && /^[0-9]+$/.test(q.limit!)))
    throw new Errors.BadRequest(`limit must be a whole number from 1 to ${MAX_LIST}`);
  return { ...(state ? { state } : {}), ...(limit !== undefined ? { limit } : {}) };
}

export default async function nodeRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { database, clock, config } = app.deps;
  const thresholds = thresholdsOf(config);
  const retentionMs = retentionOf(config);
  const sql = database.sql;

  // The current state as every surface shows it: MAINTENANCE inside a declared window (sla/maintenance.ts stateNow).
  const view = (n: NodeRecord, maintenance: MaintenanceLookup): Static<typeof NodeView> => {
    const now = stateNow({ state: n.currentState, since: n.stateSince }, maintenance(n));
    return {
      id: n.id,
      name: n.name,
      operator: n.operator,
      region: n.region,
      state: now.state,
      stateSince: now.since === null ? null : iso(now.since),
      lastHeartbeatAt: n.lastHbAt === null ? null : iso(n.lastHbAt),
      failing: n.failing,
      agentVersion: n.agentVersion,
      clockSkewMs: n.clockSkewMs,
    };
  };

  app.get(
    '/v1/nodes',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags: ['nodes'],
        summary:
          "Every node with its current state, or one operator's (`?operator=` name or id); an operator's token lists its own. `?state=` lists the nodes in service in that state now (MAINTENANCE inside a window in force; `untracked`: no heartbeat yet); `?limit=` the first that many by name. The `x-total-count` header holds how many matched before the limit.",
        querystring: Type.Object(
          {
            operator: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            state: Type.Optional(Type.String({ maxLength: 32, description: `one of ${STATE_FILTERS.join(', ')}` })),
            limit: Type.Optional(Type.String({ maxLength: 16, description: `at most this many, 1 to ${MAX_LIST} (default: all)` })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(NodeView), 400: { $ref: 'ErrorReply#' } },
      },
    },
    async (req, reply) => {
      const { state, limit } = listQuery(req.query);
      const now = clock();
      const operator = await listOperator(req, req.query.operator, sql);
      const only = operator ? { operatorId: operator.id } : {};
      let total = 0;
      let shown: Static<typeof NodeView>[] = [];
      if (operator !== null) {
        const maintenance = await maintenanceInForce(sql, now);
        const found =
          state === undefined
            ? await listNodes(sql, only).then((all) => ({ total: all.length, nodes: all.slice(0, limit) }))
            : await listNodesInState(sql, { state, covered: maintenance.coverage, now, limit: limit ?? MAX_LIST, ...only });
        total = found.total;
        shown = found.nodes.map((n) => view(n, maintenance.at));
      }
      reply.header('x-total-count', String(total));
      return shown;
    },
  );

  app.get(
    '/v1/nodes/:node',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags: ['nodes'],
        summary: 'One node (by id or name).',
        params: Type.Object({ node: Type.String() }),
        response: { 200: NodeView, 404: { $ref: 'ErrorReply#' } },
      },
    },
    async (req) => view(await resolveNode(sql, req.params.node), await maintenanceNow(sql, clock())),
  );

  app.get(
    '/v1/nodes/:node/uptime',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags: ['uptime'],
        summary: 'Time-weighted uptime of one node over a rolling window (30 days by default), a calendar month, or [from, to).',
        params: Type.Object({ node: Type.String() }),
        querystring: WindowQuery,
        response: { 200: UptimeView, 400: { $ref: 'ErrorReply#' }, 404: { $ref: 'ErrorReply#' } },
      },
    },
    async (req) => {
      const now = clock();
      const w = slaWindow(req.query, now, retentionMs);
      const node = await resolveNode(sql, req.params.node); // a decommissioned node's history too
      // Maintenance applied, held to the operator's tier, with this month's budget and projection.
      const { summary, intervals, ...sla } = await nodeSla(sql, thresholds, node, w, now);
      return {
        node: node.name,
        from: iso(summary.from),
        to: iso(summary.to),
        ratio: summary.ratio,
        ...totalsInSeconds(summary),
        untrackedSeconds: summary.untrackedMs / 1000,
        ...slaView(sla),
        ...(req.query.intervals === 'true'
          ? {
              intervals: intervals.map((i) => ({
                state: i.state,
                start: iso(i.start),
                end: iso(i.end),
                cause: i.cause,
                evidence: i.evidence,
              })),
            }
          : {}),
      };
    },
  );
}
