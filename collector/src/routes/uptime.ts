/** Uptime of operators, regions and the fleet (same window query as a node), with per-node rows. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Errors } from '../errors.ts';
import { groupSla, listSlaNodes, thresholdsOf, type Figures } from '../services/sla.ts';
import { resolveOperator } from '../stores/operators.ts';
import { regionExists } from '../stores/nodes.ts';
import { totalsInSeconds } from '../sla/budget.ts';
import { SlaFields, WindowQuery, retentionOf, slaView, slaWindow } from './sla-view.ts';
import { ACCESS } from '../auth/access.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const sec = (ms: number) => ms / 1000;

const Durations = {
  ratio: Type.Union([Type.Number(), Type.Null()], { description: 'UP / (UP + DOWN), time-weighted' }),
  upSeconds: Type.Number(),
  downSeconds: Type.Number(),
  unknownSeconds: Type.Number(),
  maintenanceSeconds: Type.Number(),
  untrackedSeconds: Type.Number({ description: "time before a node's first heartbeat (summed over nodes)" }),
};

export const NodeRow = Type.Object({
  node: Type.String(),
  operator: Type.Union([Type.String(), Type.Null()]),
  region: Type.Union([Type.String(), Type.Null()]),
  ...Durations,
  ...SlaFields,
});

export const GroupUptimeView = Type.Object({
  level: Type.String({ description: 'operator, region or fleet' }),
  key: Type.Union([Type.String(), Type.Null()]),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  nodeCount: Type.Integer(),
  ...Durations,
  ...SlaFields,
  nodes: Type.Array(NodeRow),
});

const durations = (f: Figures) => ({
  ratio: f.ratio,
  ...totalsInSeconds(f.totals),
  untrackedSeconds: sec(f.totals.untrackedMs ?? 0),
});

export default async function uptimeRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { database, clock, config } = app.deps;
  const sql = database.sql;
  const thresholds = thresholdsOf(config);
  const retentionMs = retentionOf(config);
  const common = {
    tags: ['uptime'],
    querystring: WindowQuery,
    response: { 200: GroupUptimeView, 400: { $ref: 'ErrorReply#' }, 404: { $ref: 'ErrorReply#' } },
  };

  const reply = async (
    level: 'operator' | 'region' | 'fleet',
    key: string | null,
    tier: string | null,
    filter: Parameters<typeof listSlaNodes>[1],
    q: Static<typeof WindowQuery>,
  ): Promise<Static<typeof GroupUptimeView>> => {
    const now = clock();
    const w = slaWindow(q, now, retentionMs);
    const nodes = await listSlaNodes(sql, { ...filter, inServiceAfter: w.from }); // decommissioned nodes count until their date
    const g = await groupSla(sql, thresholds, level, key, nodes, tier, w, now);
    return {
      level,
      key,
      from: iso(g.from),
      to: iso(g.to),
      nodeCount: nodes.length,
      ...durations(g.figures),
      ...slaView(g.figures),
      nodes: g.nodes.map((r) => ({
        node: r.node.name,
        operator: r.node.operator,
        region: r.node.region,
        ...durations(r.figures),
        ...slaView(r.figures),
      })),
    };
  };

  app.get(
    '/v1/operators/:op/uptime',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        ...common,
        summary: "Uptime of all an operator's nodes (by operator name or id), held to the operator's tier.",
        params: Type.Object({ op: Type.String() }),
      },
    },
    async (req) => {
      const op = await resolveOperator(sql, req.params.op);
      return reply('operator', op.name, op.tier, { operatorId: op.id }, req.query);
    },
  );

  app.get(
    '/v1/regions/:region/uptime',
    {
      config: { access: ACCESS.staff },
      schema: {
        ...common,
        summary: 'Uptime of every node in a region, held to the fleet target.',
        params: Type.Object({ region: Type.String() }),
      },
    },
    async (req) => {
      if (!(await regionExists(sql, req.params.region))) throw new Errors.NotFound(`no region "${req.params.region}"`);
      return reply('region', req.params.region, null, { region: req.params.region }, req.query);
    },
  );

  app.get(
    '/v1/fleet/uptime',
    { config: { access: ACCESS.staff }, schema: { ...common, summary: 'Uptime of the whole fleet, held to the fleet target.' } },
    async (req) => reply('fleet', null, null, {}, req.query),
  );
}
