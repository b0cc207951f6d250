/** Incidents and notifications: reads, acknowledge (admin token or signed link), resolve by hand, MTTA/MTTR. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  Incident as IncidentView,
  IncidentEvent,
  IncidentStat as Stat,
  IncidentStatus as Status,
  NotificationRecord,
  NotificationStatus,
  Severity,
  Text,
} from '@timmy/shared';
import type { IncidentStat } from '../alerts/incident-stats.ts';
import type { Incident } from '../alerts/incidents.ts';
import { Errors } from '../errors.ts';
import { ACCESS, listOperator, requireAccess } from '../auth/access.ts';

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const Actor = Text({ minLength: 1, maxLength: 128, description: 'who (recorded in the history)' });
const err = { $ref: 'ErrorReply#' };

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function incidentView(i: Incident): Static<typeof IncidentView> {
  return {
    id: i.id,
    key: i.key,
    severity: i.severity,
    status: i.status,
    summary: i.summary,
    nodes: i.nodeIds,
    operators: i.operatorIds,
    regions: i.regions,
    flapping: i.flapping,
    openedAt: iso(i.openedAt)!,
    acknowledgedAt: iso(i.acknowledgedAt),
    acknowledgedBy: i.acknowledgedBy,
    resolvedAt: iso(i.resolvedAt),
    resolvedBy: i.resolvedBy,
    cause: i.cause,
    resolution: i.resolution,
    absorbedInto: i.absorbedInto,
    escalatedAt: iso(i.escalatedAt),
    respondMissedAt: iso(i.respondMissedAt),
    resolveMissedAt: iso(i.resolveMissedAt),
    postmortemRequired: i.postmortemRequired,
    postmortemDueAt: iso(i.postmortemDueAt),
  };
}

/** What an acknowledgement answers (AckReply): the incident as it is now, and whether this call changed it. */
export const ackReply = (r: { incident: Incident; changed: boolean }) => ({ incident: incidentView(r.incident), changed: r.changed });

const statView = ({ mttaMs, mttrMs, ...s }: IncidentStat): Static<typeof Stat> => ({
  ...s,
  mttaSeconds: mttaMs === null ? null : mttaMs / 1000,
  mttrSeconds: mttrMs === null ? null : mttrMs / 1000,
});
const mapValues = <V, W>(o: Record<string, V>, f: (v: V) => W) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

function parseTime(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new Errors.BadRequest(`${name}: not a date-time`);
  return t;
}

const html = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The confirmation page behind an acknowledge link: what the incident is, and one button that POSTs. */
export function ackPage(i: Incident, recipient: string | null, action: string): string {
  const state =
    i.status === 'open'
      ? `<form method="post" action="${html(action)}"><button type="submit">Acknowledge</button></form>`
      : `<p>This incident is ${html(i.status)}${i.acknowledgedBy ? ` (acknowledged by ${html(i.acknowledgedBy)})` : ''}: nothing to do.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>Acknowledge incident ${html(i.id)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}button{font-size:1.1rem;padding:.5rem 1.5rem}</style></head>
<body><h1>${html(i.severity)} incident</h1>
<p>${html(i.summary)}</p>
<p>Opened ${html(new Date(i.openedAt).toISOString())}${recipient ? `; this link was sent to <strong>${html(recipient)}</strong>` : ''}.</p>
${state}
</body></html>
`;
}

export default async function incidentRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services, clock, database } = app.deps;
  const alerts = services.alerts;
  const tags = ['incidents'];

  app.get(
    '/v1/incidents',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags,
        summary:
          "Incidents opened in [from, to), newest first (`?operator=` name or id: the ones touching that operator); an operator's token lists its own.",
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Status, Type.Literal('unresolved')])),
            severity: Type.Optional(Severity),
            operator: Type.Optional(Type.String()),
            region: Type.Optional(Type.String()),
            node: Type.Optional(Type.String()),
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
            limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: 'at most this many (default 100)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ incidents: Type.Array(IncidentView) }), 400: err, 401: err },
      },
    },
    async (req) => {
      const q = req.query;
      const limit = q.limit ? Math.max(1, Number(q.limit)) : 100;
      const from = parseTime(q.from, 'from');
      const to = parseTime(q.to, 'to');
      // Every filter is applied by the query: the page holds the newest `limit` matches however many incidents there are.
      const operator = await listOperator(req, q.operator, database.sql);
      if (operator === null) return { incidents: [] };
      const { from: _f, to: _t, limit: _l, operator: _o, ...filters } = q;
      const list = await alerts.list({
        ...filters,
        ...(operator ? { operator: operator.name } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        limit,
      });
      return { incidents: list.map(incidentView) };
    },
  );

  app.get(
    '/v1/incidents/stats',
    {
      config: { access: ACCESS.staff },
      schema: {
        tags,
        summary:
          'MTTA and MTTR per severity, per operator and for the fleet, over incidents opened in [from, to) (default: the last 30 days). Absorbed incidents are not counted.',
        querystring: Type.Object(
          { from: Type.Optional(Type.String({ format: 'date-time' })), to: Type.Optional(Type.String({ format: 'date-time' })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            from: Type.String({ format: 'date-time' }),
            to: Type.String({ format: 'date-time' }),
            fleet: Stat,
            bySeverity: Type.Record(Type.String(), Stat),
            byOperator: Type.Record(Type.String(), Stat),
          }),
          400: err,
          401: err,
        },
      },
    },
    async (req) => {
      const to = parseTime(req.query.to, 'to') ?? clock();
      const from = parseTime(req.query.from, 'from') ?? to - 30 * 86_400_000;
      if (!(to > from)) throw new Errors.BadRequest('to must be after from');
      const s = await alerts.stats(from, to);
      return {
        from: iso(from)!,
        to: iso(to)!,
        fleet: statView(s.fleet),
        bySeverity: mapValues(s.bySeverity, statView),
        byOperator: mapValues(s.byOperator, statView),
      };
    },
  );

  app.get(
    '/v1/incidents/:id',
    {
      config: { access: ACCESS.ownOperator },
      schema: {
        tags,
        summary: 'One incident with its history.',
        params: Id,
        response: { 200: Type.Object({ incident: IncidentView, history: Type.Array(IncidentEvent) }), 404: err },
      },
    },
    async (req) => {
      const inc = await alerts.get(req.params.id);
      if (!inc) throw new Errors.NotFound(`incident ${req.params.id} not found`);
      const history = await alerts.history(inc.id);
      return {
        incident: incidentView(inc),
        history: history.map((e) => ({
          id: e.id,
          type: e.type,
          at: e.at.toISOString(),
          actor: e.actor,
          data: e.data,
        })),
      };
    },
  );

  const AckReply = Type.Object({
    incident: IncidentView,
    changed: Type.Boolean({ description: 'false when it was acknowledged already' }),
  });

  // A browser's form post (the confirmation page's button): its body carries nothing the route needs.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, _body, done) =>
    done(null, {}),
  );

  const linkRefused = (code: string) =>
    new Errors.Forbidden(code === 'FLEET_ACK_LINK_DISABLED' ? 'acknowledge links are not configured' : `acknowledge link refused: ${code}`);

  app.post(
    '/v1/incidents/:id/ack',
    {
      // With a link's token (the confirmation page's form), the token is the credential; otherwise an admin or fleet lead.
      config: { access: ACCESS.everyone },
      onRequest: async (req) => {
        if (!(req.query as { token?: unknown }).token) requireAccess(req, ACCESS.lead);
      },
      schema: {
        tags,
        summary:
          'Acknowledge an incident (stops its escalation). Twice is a no-op. With `token` (the signed link from a notification, as its confirmation page posts it) no admin token is needed, and the acknowledgement is recorded as the recipient the link was sent to ("ack-link:<channel>").',
        security: [{ adminToken: [] }, {}],
        params: Id,
        // No body needed: who acknowledged goes in the query string.
        querystring: Type.Object(
          { by: Type.Optional(Actor), token: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })) },
          { additionalProperties: false },
        ),
        response: { 200: AckReply, 401: err, 403: err, 404: err, 409: err },
      },
    },
    async (req) => {
      if (req.query.token) {
        const r = await alerts.acknowledgeByLink(req.params.id, req.query.token, clock());
        if (!r.ok) throw linkRefused(r.code);
        return ackReply(r);
      }
      return ackReply(await alerts.acknowledge(req.params.id, req.query.by ?? 'admin', clock()));
    },
  );

  app.get(
    '/v1/incidents/:id/ack',
    {
      config: { access: ACCESS.everyone },
      schema: {
        tags,
        summary:
          'The signed, expiring, single-purpose link sent in notifications: a confirmation page (HTML) whose button acknowledges (POST). Opening it changes nothing, so link previewers cannot acknowledge.',
        params: Id,
        querystring: Type.Object({ token: Type.String({ minLength: 1, maxLength: 2048 }) }, { additionalProperties: false }),
        response: { 200: Type.String({ description: 'text/html' }), 403: err, 404: err },
      },
    },
    async (req, reply) => {
      const v = alerts.checkAckLink(req.params.id, req.query.token, clock());
      if (!v.ok) throw linkRefused(v.code);
      const inc = await alerts.get(req.params.id);
      if (!inc) throw new Errors.NotFound(`incident ${req.params.id} not found`);
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
        .send(ackPage(inc, v.recipient, `/v1/incidents/${encodeURIComponent(inc.id)}/ack?token=${encodeURIComponent(req.query.token)}`));
    },
  );

  app.post(
    '/v1/incidents/:id/resolve',
    {
      config: { access: ACCESS.lead },
      schema: {
        tags,
        summary: 'Resolve by hand, with cause and resolution notes.',
        security: [{ adminToken: [] }],
        params: Id,
        body: Type.Object(
          { cause: Text({ minLength: 1, maxLength: 4000 }), resolution: Text({ minLength: 1, maxLength: 4000 }), by: Type.Optional(Actor) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ incident: IncidentView }), 400: err, 401: err, 404: err, 409: err },
      },
    },
    async (req) => {
      const inc = await alerts.resolve(
        req.params.id,
        { by: req.body.by ?? 'admin', cause: req.body.cause, resolution: req.body.resolution },
        clock(),
      );
      return { incident: incidentView(inc) };
    },
  );

  app.get(
    '/v1/notifications',
    {
      config: { access: ACCESS.staff },
      schema: {
        tags,
        summary: 'The notification outbox, newest first.',
        querystring: Type.Object(
          {
            status: Type.Optional(NotificationStatus),
            incident: Type.Optional(Type.String()),
            channel: Type.Optional(Type.String()),
            limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ notifications: Type.Array(NotificationRecord) }), 401: err },
      },
    },
    async (req) => {
      const q = req.query;
      return {
        notifications: await alerts.notifications({
          ...(q.status ? { status: q.status } : {}),
          ...(q.incident ? { incidentId: q.incident } : {}),
          ...(q.channel ? { channel: q.channel } : {}),
          limit: q.limit ? Math.max(1, Number(q.limit)) : 100,
        }),
      };
    },
  );
}
