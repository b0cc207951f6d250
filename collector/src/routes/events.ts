/**
 * GET /v1/events: server-sent events of node state changes (services/node-events.ts), each to the
 * callers allowed to see the node: staff every node, an operator their own, anyone else (no token, a
 * partner) fleet-wide counts only. `hello` first, a `: heartbeat` comment every `eventsHeartbeatS` (15 s), `?once=true` for a
 * snapshot that closes. Streams end when the collector closes.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { EventsHello, FleetCounts, NodeStateEvent } from '@timmy/shared';
import { ACCESS } from '../auth/access.ts';
import { STAFF_ROLES, type Principal } from '../program/index.ts';
import { type NodeStateChange, type ReceivedChange, firstIdAt } from '../services/node-events.ts';

/** Which changes a principal's stream carries: every node, their operator's, or none (counts only). */
export function eventScope(p: Principal): { scope: EventsHello['scope']; sees: (c: NodeStateChange) => boolean } {
  if (STAFF_ROLES.includes(p.role)) return { scope: 'all', sees: () => true };
  if (p.role === 'operator' && p.operatorId !== undefined)
    return { scope: 'operator', sees: (c) => c.operatorId !== null && String(c.operatorId) === p.operatorId };
  return { scope: 'counts', sees: () => false };
}

const frame = (event: string, data: unknown, id?: number) =>
  `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** The stream's event: the change without the operator id it is filtered by. */
const stateEvent = ({ operatorId: _, ...event }: NodeStateChange): NodeStateEvent => event;

/**
 * Where a stream starts: after the changes before `since` (ms, the collector's clock: when it served a
 * console page; the route's schema checks it) or after a reconnecting EventSource's Last-Event-ID (an id
 * of ours), whichever is later.
 */
function streamCursor(since: string | undefined, lastEventId: unknown): number | undefined {
  const after = [
    since === undefined ? undefined : firstIdAt(Number(since)) - 1,
    typeof lastEventId === 'string' && /^[0-9]{1,16}$/.test(lastEventId) ? Number(lastEventId) : undefined,
  ].filter((v): v is number => v !== undefined);
  return after.length ? Math.max(...after) : undefined;
}

/** A client this far behind (bytes not yet sent) is dropped: its EventSource reconnects and reads the pages again. */
export const MAX_BEHIND_BYTES = 1_000_000;

export default async function eventRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services, config } = app.deps;
  const events = services.events;
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  app.addHook('onClose', async () => events.stop());

  app.get(
    '/v1/events',
    {
      config: { access: ACCESS.everyone },
      schema: {
        tags: ['events'],
        summary:
          'Server-sent events (text/event-stream): hello, then node state changes the caller may see (state), fleet-wide counts (counts), a heartbeat comment every 15 s. ?once=true: hello and counts, then the stream closes.',
        querystring: Type.Object(
          {
            once: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
            since: Type.Optional(
              Type.String({
                pattern: '^[0-9]{1,13}$',
                description:
                  'replay the changes this collector received since then (ms since the epoch; the last 10 minutes are kept), before the live ones',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: { description: 'text/event-stream', type: 'string' } },
      },
    },
    async (req, reply) => {
      const { scope, sees } = eventScope(req.principal);
      const raw = reply.raw;
      reply.hijack();
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const hello: EventsHello = { role: req.principal.role, scope, heartbeatSeconds: config.eventsHeartbeatS };
      raw.write(`retry: 2000\n${frame('hello', hello)}`);
      let end = () => {};
      const send = (text: string) => {
        if (raw.writableEnded) return;
        if (raw.writableLength > MAX_BEHIND_BYTES) end();
        else raw.write(text);
      };
      const counts = (c: { at: number; states: FleetCounts['states'] }) => {
        const body: FleetCounts = { at: new Date(c.at).toISOString(), states: c.states };
        send(frame('counts', body));
      };
      if (req.query.once === 'true') {
        counts(await events.openingCounts());
        raw.end();
        return;
      }
      // Each state event has an id (services/node-events.ts ReceivedChange), so a reconnecting EventSource (its
      // Last-Event-ID) and a page opening its stream after it was drawn (?since=) miss nothing kept.
      const change = ({ id, change: c }: ReceivedChange) => {
        if (sees(c)) send(frame('state', stateEvent(c), id));
      };
      const cursor = streamCursor(req.query.since, req.headers['last-event-id']);
      // Replayed and subscribed in one synchronous step: no change falls between the two.
      if (cursor !== undefined) for (const c of events.after(cursor)) change(c);
      const unsubscribe = events.subscribe({ change, counts });
      const heartbeat = setInterval(() => send(': heartbeat\n\n'), config.eventsHeartbeatS * 1000);
      end = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
        if (!raw.writableEnded) raw.end();
      };
      open.add(end);
      raw.on('close', end);
      raw.on('error', end);
      counts(await events.openingCounts());
    },
  );
}
