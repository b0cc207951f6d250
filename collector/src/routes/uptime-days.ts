/** Daily uptime bars (the console's 90-day bars): a node, an operator, a region, the fleet. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DailyUptime, DaysQuery, OperatorNodesDays, OperatorNodesDaysQuery } from '@timmy/shared';
import { Errors } from '../errors.ts';
import { ACCESS } from '../auth/access.ts';
import { thresholdsOf } from '../services/sla.ts';
import { daysView, groupDays, nodeDays, nodeDaysView, operatorDays } from '../services/uptime-days.ts';
import { DEFAULT_DAYS, MAX_DAYS, daysSpan } from '../sla/days.ts';
import { countSlaNodes, listSlaNodeIds, regionExists, resolveNode } from '../stores/nodes.ts';

/** The most nodes one read of an operator's nodes' bars answers. */
const MAX_NODES = 1000;

/** ?days= as a number of days (1..MAX_DAYS, default 90). */
export function daysOf(q: Pick<Static<typeof DaysQuery>, 'days'>): number {
  if (q.days === undefined) return DEFAULT_DAYS;
  const n = Number(q.days);
  if (!Number.isInteger(n) || n < 1 || n > MAX_DAYS) throw new Errors.BadRequest(`days must be 1 to ${MAX_DAYS}`);
  return n;
}

export default async function uptimeDaysRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { database, clock, config, services } = app.deps;
  const sql = database.sql;
  const thresholds = thresholdsOf(config);
  const common = {
    tags: ['uptime'],
    querystring: DaysQuery,
    response: { 200: DailyUptime, 400: { $ref: 'ErrorReply#' }, 404: { $ref: 'ErrorReply#' } },
  };

  /** Region and fleet bars of the default length come from the per-region cache (services.regionDays). */
  const cachedOr = async (days: number, now: number, region?: string) => {
    if (days !== DEFAULT_DAYS) return undefined;
    const rows = await services.regionDays.rows(now, days);
    return region === undefined ? rows : rows.filter((r) => r.group === region);
  };

  app.get(
    '/v1/nodes/:node/uptime/days',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        ...common,
        summary: "One node's uptime per UTC day over the last ?days= days (default 90), today last.",
        params: Type.Object({ node: Type.String() }),
      },
    },
    async (req) => {
      const days = daysOf(req.query);
      return daysView(await nodeDays(sql, thresholds, await resolveNode(sql, req.params.node), clock(), days));
    },
  );

  app.get(
    '/v1/operators/:op/uptime/days',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        ...common,
        summary: "An operator's uptime per UTC day, summed over its nodes (node time).",
        params: Type.Object({ op: Type.String() }),
      },
    },
    async (req) => {
      const days = daysOf(req.query);
      return daysView((await operatorDays(sql, thresholds, req.params.op, clock(), days, 0, services.pastNodeDays)).group);
    },
  );

  app.get(
    '/v1/operators/:op/nodes/uptime/days',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags: ['uptime'],
        summary:
          "Each of an operator's nodes' uptime per UTC day (as /v1/nodes/{node}/uptime/days gives one node's) and the operator's own (`group`, as /v1/operators/{op}/uptime/days), in one read: the nodes with time in the bars, by name, the first ?limit= (default 1000).",
        params: Type.Object({ op: Type.String() }),
        querystring: OperatorNodesDaysQuery,
        response: { 200: OperatorNodesDays, 400: { $ref: 'ErrorReply#' }, 404: { $ref: 'ErrorReply#' } },
      },
    },
    async (req) => {
      const days = daysOf(req.query);
      const limit = req.query.limit === undefined ? MAX_NODES : Number(req.query.limit);
      if (!(limit >= 1 && limit <= MAX_NODES)) throw new Errors.BadRequest(`limit must be 1 to ${MAX_NODES}`);
      const v = await operatorDays(sql, thresholds, req.params.op, clock(), days, limit, services.pastNodeDays);
      return { operator: v.operator, nodeCount: v.nodeCount, group: daysView(v.group), nodes: v.nodes.map(nodeDaysView) };
    },
  );

  app.get(
    '/v1/regions/:region/uptime/days',
    {
      config: { access: ACCESS.staff },
      schema: {
        ...common,
        summary: 'A region’s uptime per UTC day, summed over its nodes (node time).',
        params: Type.Object({ region: Type.String() }),
      },
    },
    async (req) => {
      const days = daysOf(req.query);
      const now = clock();
      const region = req.params.region;
      if (!(await regionExists(sql, region))) throw new Errors.NotFound(`no region "${region}"`);
      const inService = { region, inServiceAfter: daysSpan(now, days).start };
      const rows = await cachedOr(days, now, region);
      // With the cached rows only the count is needed (no 10,000 ids read and decoded).
      const nodes = rows ? await countSlaNodes(sql, inService) : await listSlaNodeIds(sql, inService);
      return daysView(await groupDays(sql, thresholds, { level: 'region', key: region, tier: null, nodes }, now, days, rows));
    },
  );

  app.get(
    '/v1/fleet/uptime/days',
    {
      config: { access: ACCESS.staff },
      schema: { ...common, summary: 'The fleet’s uptime per UTC day, summed over every node (node time).' },
    },
    async (req) => {
      const days = daysOf(req.query);
      const now = clock();
      // The fleet's rows are read without node ids: only how many nodes there are (counted in the database,
      // beside the cached rows, rather than reading 10,000 ids to count them here).
      const [nodes, rows] = await Promise.all([countSlaNodes(sql, { inServiceAfter: daysSpan(now, days).start }), cachedOr(days, now)]);
      return daysView(await groupDays(sql, thresholds, { level: 'fleet', key: null, tier: null, nodes }, now, days, rows));
    },
  );
}
