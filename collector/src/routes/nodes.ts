import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { eq } from 'drizzle-orm';
import { nodes, operators } from '../db/schema/index.ts';
import { Errors } from '../errors.ts';
import { listSlaNodes, nodeSla } from '../services/sla.ts';
import { nodeWhere } from '../services/nodes.ts';
import { maintenanceNow } from '../services/maintenance.ts';
import { stateNow } from '../sla/maintenance.ts';
import { SlaFields, WindowQuery, retentionOf, slaView, slaWindow, thresholdsOf } from './sla-view.ts';
import { ACCESS } from '../auth/access.ts';

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
  intervals: Type.Optional(
    Type.Array(
      Type.Object({
        state: Type.String(),
        start: Type.String({ format: 'date-time' }),
        end: Type.String({ format: 'date-time' }),
        cause: Type.String(),
        evidence: Type.Record(Type.String(), Type.Unknown()),
      }),
    ),
  ),
});

const iso = (ms: number) => new Date(ms).toISOString();

export default async function nodeRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { database, clock, config } = app.deps;
  const thresholds = thresholdsOf(config);
  const retentionMs = retentionOf(config);
  const db = database.db;

  async function findNode(ref: string) {
    const [row] = await db
      .select({ n: nodes, operator: operators.name })
      .from(nodes)
      .leftJoin(operators, eq(operators.id, nodes.operatorId))
      .where(nodeWhere(ref))
      .limit(1);
    if (!row) throw new Errors.NotFound(`no node "${ref}"`);
    return row;
  }

  // The current state as every surface shows it: MAINTENANCE inside a declared window (sla/maintenance.ts stateNow).
  const view = (r: Awaited<ReturnType<typeof findNode>>, maintenance: MaintenanceLookup): Static<typeof NodeView> => {
    const now = stateNow({ state: r.n.currentState, since: r.n.stateSince?.getTime() ?? null }, maintenance(r.n));
    return {
      id: r.n.id,
      name: r.n.name,
      operator: r.operator ?? null,
      region: r.n.region,
      state: now.state,
      stateSince: now.since === null ? null : iso(now.since),
      lastHeartbeatAt: r.n.lastHbAt ? r.n.lastHbAt.toISOString() : null,
      failing: r.n.failing ?? [],
      agentVersion: r.n.agentVersion,
      clockSkewMs: r.n.clockSkewMs,
    };
  };

  app.get(
    '/v1/nodes',
    {
      config: { access: ACCESS.staff },
      schema: { tags: ['nodes'], summary: 'Every node with its current state.', response: { 200: Type.Array(NodeView) } },
    },
    async () => {
      const rows = await db
        .select({ n: nodes, operator: operators.name })
        .from(nodes)
        .leftJoin(operators, eq(operators.id, nodes.operatorId))
        .orderBy(nodes.name);
      const maintenance = await maintenanceNow(database.sql, clock());
      return rows.map((r) => view(r, maintenance));
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
    async (req) => view(await findNode(req.params.node), await maintenanceNow(database.sql, clock())),
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
      const node = await findNode(req.params.node);
      const [sn] = await listSlaNodes(database.sql, { nodeId: node.n.id, inServiceAfter: 0 }); // a decommissioned node's history too
      // Maintenance applied, held to the operator's tier, with this month's budget and projection.
      const { summary, intervals, ...sla } = await nodeSla(
        database.sql,
        thresholds,
        sn ?? {
          id: node.n.id,
          name: node.n.name,
          operatorId: node.n.operatorId,
          operator: node.operator,
          tier: null,
          region: node.n.region,
          currentState: node.n.currentState,
        },
        w,
        now,
      );
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
