/** The console pages' data that no other route gives: node overview and series, an operator's nodes, the fleet overview. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { FleetOverview, NodeOverview, NodeSeries, OperatorIncidents, OperatorMaintenance, OperatorNodes, SeriesQuery } from '@timmy/shared';
import { Errors } from '../errors.ts';
import { ACCESS } from '../auth/access.ts';
import { fleetOverview, nodeOverview, nodeSeries, operatorIncidents, operatorMaintenance, operatorNodes } from '../services/console.ts';
import { incidentView } from './incidents.ts';
import { thresholdsOf } from '../services/sla.ts';
import { Refreshing } from '../services/refreshing.ts';
import { resolveNode } from '../stores/nodes.ts';
import { resolveOperator } from '../stores/operators.ts';

const HOUR = 3_600_000;
/** The longest series one read returns (31 days of minutes). */
export const MAX_SERIES_MS = 31 * 24 * HOUR;
/** The fleet overview is recomputed at most this often per collector. */
const FLEET_TTL_MS = 10_000;
const err = { $ref: 'ErrorReply#' };

function seriesRange(q: { from?: string; to?: string }, now: number): { from: number; to: number } {
  const to = q.to === undefined ? now : Date.parse(q.to);
  const from = q.from === undefined ? to - 24 * HOUR : Date.parse(q.from);
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new Errors.BadRequest('from and to must be date-times');
  if (!(to > from)) throw new Errors.BadRequest('to must be after from');
  if (to - from > MAX_SERIES_MS) throw new Errors.BadRequest('a series covers at most 31 days');
  return { from, to: Math.min(to, now) };
}

export default async function consoleRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { database, clock, config, services } = app.deps;
  const sql = database.sql;
  const thresholds = thresholdsOf(config);
  const rotateBeforeMs = config.credentials.rotateBeforeDays * 24 * HOUR;
  const NodeParams = Type.Object({ node: Type.String() });

  app.get(
    '/v1/nodes/:node/overview',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags: ['nodes'],
        summary:
          'The node page: state now, checks, the credential in force (expiry, never the secret), agent version, clock skew, maintenance now.',
        params: NodeParams,
        response: { 200: NodeOverview, 404: err },
      },
    },
    async (req) => nodeOverview(sql, await resolveNode(sql, req.params.node), rotateBeforeMs, clock()),
  );

  app.get(
    '/v1/nodes/:node/series',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags: ['nodes'],
        summary:
          "Per-minute series over [from, to) (default the last 24 h, at most 31 days): disk, load, memory, the agent's own RSS and CPU.",
        params: NodeParams,
        querystring: SeriesQuery,
        response: { 200: NodeSeries, 400: err, 404: err },
      },
    },
    async (req) => {
      const node = await resolveNode(sql, req.params.node);
      const r = seriesRange(req.query, clock());
      return nodeSeries(sql, node, r.from, r.to);
    },
  );

  app.get(
    '/v1/operators/:op/nodes',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags: ['operators'],
        summary: "An operator's nodes in service with their state now, and counts per state.",
        params: Type.Object({ op: Type.String() }),
        response: { 200: OperatorNodes, 404: err },
      },
    },
    async (req) => operatorNodes(sql, thresholds, await resolveOperator(sql, req.params.op), clock()),
  );

  app.get(
    '/v1/operators/:op/incidents',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags: ['incidents'],
        summary: "An operator's incidents: under way, and opened in the last 90 days, newest first.",
        params: Type.Object({ op: Type.String() }),
        response: { 200: OperatorIncidents, 404: err },
      },
    },
    async (req) => {
      const op = await resolveOperator(sql, req.params.op);
      return { operator: op.name, incidents: (await operatorIncidents(sql, op, clock())).map(incidentView) };
    },
  );

  app.get(
    '/v1/operators/:op/maintenance',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags: ['maintenance'],
        summary: "Maintenance windows covering an operator's nodes, with their occurrences from 30 days back to 90 days ahead.",
        params: Type.Object({ op: Type.String() }),
        response: { 200: OperatorMaintenance, 404: err },
      },
    },
    async (req) => operatorMaintenance(sql, await resolveOperator(sql, req.params.op), clock()),
  );

  const fleet = new Refreshing(FLEET_TTL_MS, (now) => fleetOverview(sql, thresholds, (t) => services.alerts.outboxCounts(t), now));
  app.get(
    '/v1/fleet/overview',
    {
      config: { access: ACCESS.staff },
      schema: {
        tags: ['uptime'],
        summary:
          "The fleet page: nodes by state (fleet and per region), this month's fleet SLA against the target with its downtime budget and projection, incidents under way, the alert outbox's health. Recomputed at most every 10 s (the previous answer while it is).",
        response: { 200: FleetOverview },
      },
    },
    async () => (await fleet.get(clock())).v,
  );
}
