/**
 * What the web console's pages read: daily uptime bars, the public status page, live node state events,
 * and the node and fleet pages' data. Times are ISO 8601 (UTC) unless named `…Ms`; durations in seconds.
 *
 * | route | method | access | response |
 * |---|---|---|---|
 * | `/v1/nodes/{node}/uptime/days?days=90` | GET | ownOperator (the node's operator; staff all) | `DailyUptime` |
 * | `/v1/operators/{op}/uptime/days?days=90` | GET | ownOperator (their own; staff all) | `DailyUptime` (summed over its nodes) |
 * | `/v1/operators/{op}/nodes/uptime/days?days=90&limit=50` | GET | ownOperator (their own; staff all) | `OperatorNodesDays` (each node's bars, and the operator's) |
 * | `/v1/regions/{region}/uptime/days?days=90` | GET | staff | `DailyUptime` |
 * | `/v1/fleet/uptime/days?days=90` | GET | staff | `DailyUptime` |
 * | `/v1/status` | GET | everyone (no sign-in); `Cache-Control: public, max-age=30`, `ETag` / 304 | `StatusPage` |
 * | `/v1/events[?once=true][?since=ms]` | GET | everyone; text/event-stream | SSE: `hello` (`EventsHello`), `state` (`NodeStateEvent`), `counts` (`FleetCounts`) |
 * | `/v1/nodes/{node}/overview` | GET | ownOperator | `NodeOverview` |
 * | `/v1/nodes/{node}/series?from=&to=` | GET | ownOperator | `NodeSeries` (per-minute rollups, columnar) |
 * | `/v1/operators/{op}/nodes` | GET | ownOperator | `OperatorNodes` |
 * | `/v1/operators/{op}/incidents` | GET | ownOperator | `OperatorIncidents` (under way, and opened in the last 90 days) |
 * | `/v1/operators/{op}/maintenance` | GET | ownOperator | `OperatorMaintenance` (windows covering their nodes, occurrences from 30 days back to 90 ahead) |
 * | `/v1/fleet/overview` | GET | staff (admin, fleet_lead, finance) | `FleetOverview` |
 *
 * `days` is 1..400 (default 90): the bars are the last `days` UTC days, today (partial, up to now) last.
 *
 * Events (`/v1/events`): one `hello` first (who the stream is for, what it will carry), then a `state`
 * event per node state change the caller may see (an operator: their own nodes; admin, fleet lead,
 * finance: every node) within 2 s of the change on any collector, and `counts` (fleet-wide state counts,
 * nothing per node) to callers without a token (and to everyone after a change, at most once a second).
 * A comment line (`: heartbeat`) every 15 s keeps proxies from closing the stream. `?once=true` sends
 * `hello` and a `counts` and closes (a snapshot; scripts and the role walk use it). Browsers' EventSource
 * reconnects by itself and sends the last `state` event's id (`Last-Event-ID`): the changes after it that
 * the collector still keeps (10 minutes) come first; `?since=<ms>` does the same from a time on the
 * collector's clock (a console page: when it was served).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Incident } from './incident.ts';

const Nullable = <T extends TSchema>(t: T, description?: string) => Type.Union([t, Type.Null()], description ? { description } : {});
const DateTime = Type.String({ format: 'date-time' });

/** A node's state now: UP, DOWN, UNKNOWN, MAINTENANCE, or null (registered, never reported). */
export const ConsoleState = Type.Union([Type.Literal('UP'), Type.Literal('DOWN'), Type.Literal('UNKNOWN'), Type.Literal('MAINTENANCE')]);
export type ConsoleState = Static<typeof ConsoleState>;

/** Nodes per current state (MAINTENANCE while a window covers the node; `untracked`: no heartbeat yet). */
export const StateCounts = Type.Object({
  UP: Type.Integer(),
  DOWN: Type.Integer(),
  UNKNOWN: Type.Integer(),
  MAINTENANCE: Type.Integer(),
  untracked: Type.Integer({ description: 'registered, no heartbeat yet' }),
});
export type StateCounts = Static<typeof StateCounts>;

// ---------------------------------------------------------------------------------------------------
// Daily uptime bars

/** One UTC day of a bar. Seconds are node-seconds for a group (summed over its nodes). */
export const DayBar = Type.Object({
  day: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'the UTC day, YYYY-MM-DD' }),
  upSeconds: Type.Number(),
  downSeconds: Type.Number(),
  unknownSeconds: Type.Number(),
  maintenanceSeconds: Type.Number(),
  noDataSeconds: Type.Number({
    description: 'time of the day with no interval: before a first heartbeat, after retirement, or not yet (today after now)',
  }),
  ratio: Nullable(Type.Number(), 'UP / (UP + DOWN); null when the day has neither'),
  meetsThreshold: Nullable(Type.Boolean(), 'ratio ≥ thresholdPct / 100; null when ratio is null'),
  summary: Type.String({ description: 'the day in words, for screen readers and keyboard users' }),
});
export type DayBar = Static<typeof DayBar>;

export const DailyUptime = Type.Object({
  level: Type.Union([Type.Literal('node'), Type.Literal('operator'), Type.Literal('region'), Type.Literal('fleet')]),
  key: Nullable(Type.String(), 'node, operator or region name; null for the fleet'),
  tier: Nullable(Type.String(), "the operator's tier (node, operator), else null"),
  thresholdPct: Type.Number({ description: 'the SLA percent the bars are coloured against (tier, or the fleet target)' }),
  nodeCount: Type.Integer(),
  from: DateTime,
  to: DateTime,
  days: Type.Array(DayBar, { description: 'oldest first; the last is today, up to now' }),
});
export type DailyUptime = Static<typeof DailyUptime>;

/** The bars of each of an operator's nodes and the operator's own (`group`), in one read (the operator page). */
/**
 * A node's bars among many: the days without their sentence, a third of the bytes (50 nodes × 90 days); the
 * console writes it with daySummary (@timmy/shared day-text.ts), as the collector does for single bars.
 */
export const NodeDailyUptime = Type.Object({
  ...Type.Omit(DailyUptime, ['days']).properties,
  days: Type.Array(Type.Omit(DayBar, ['summary']), { description: 'oldest first; the last is today, up to now' }),
});
export type NodeDailyUptime = Static<typeof NodeDailyUptime>;

export const OperatorNodesDays = Type.Object({
  operator: Type.String(),
  nodeCount: Type.Integer({
    description: 'the nodes with time in the bars (in service at some point of them); `nodes` holds the first `limit` by name',
  }),
  /** The operator's own bars, summed over all the nodes (as /v1/operators/{op}/uptime/days). */
  group: DailyUptime,
  nodes: Type.Array(NodeDailyUptime, { description: "each node's bars (level node, key the node's name), by name" }),
});
export type OperatorNodesDays = Static<typeof OperatorNodesDays>;

export const OperatorNodesDaysQuery = Type.Object(
  {
    days: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: 'how many UTC days, 1..400 (default 90)' })),
    limit: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,4}$', description: 'the first this many nodes by name, 1..1000 (default 1000)' }),
    ),
  },
  { additionalProperties: false },
);

export const DaysQuery = Type.Object(
  { days: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: 'how many UTC days, 1..400 (default 90)' })) },
  { additionalProperties: false },
);

// ---------------------------------------------------------------------------------------------------
// The public status page: nothing private (no node credentials, no operator names or contacts, no pay)

export const StatusGroup = Type.Object({
  key: Nullable(Type.String(), 'region name; null for the fleet'),
  nodeCount: Type.Integer(),
  states: StateCounts,
  thresholdPct: Type.Number(),
  ratio90d: Nullable(Type.Number(), 'UP / (UP + DOWN) over the bars'),
  days: Type.Array(DayBar),
});
export type StatusGroup = Static<typeof StatusGroup>;

export const PublicIncident = Type.Object({
  id: Type.String(),
  severity: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('acknowledged')]),
  title: Type.String({ description: 'a public title: severity, how many nodes, which regions (never node or operator names)' }),
  regions: Type.Array(Type.String()),
  nodeCount: Type.Integer(),
  openedAt: DateTime,
  acknowledgedAt: Nullable(DateTime),
});
export type PublicIncident = Static<typeof PublicIncident>;

export const PublicMaintenance = Type.Object({
  id: Type.Integer(),
  scope: Type.Union([Type.Literal('node'), Type.Literal('operator'), Type.Literal('region'), Type.Literal('fleet')]),
  region: Nullable(Type.String(), 'for a region window; null otherwise (node and operator names are not public)'),
  nodeCount: Type.Integer({ description: 'nodes the window covers' }),
  start: DateTime,
  end: DateTime,
  recurrence: Nullable(Type.String()),
  reason: Type.String(),
  current: Type.Boolean({ description: 'an occurrence covers now' }),
});
export type PublicMaintenance = Static<typeof PublicMaintenance>;

/** A day on which the monitoring itself (every collector) was not observing for a while: ours, not the operators'. */
export const MonitoringGap = Type.Object({
  day: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
  seconds: Type.Number(),
  spans: Type.Array(Type.Object({ start: DateTime, end: DateTime })),
});
export type MonitoringGap = Static<typeof MonitoringGap>;

export const StatusPage = Type.Object({
  generatedAt: DateTime,
  from: DateTime,
  to: DateTime,
  fleet: StatusGroup,
  regions: Type.Array(StatusGroup),
  incidents: Type.Array(PublicIncident, { description: 'open and acknowledged, not absorbed' }),
  maintenance: Type.Array(PublicMaintenance, { description: 'current and upcoming (next 30 days) occurrences' }),
  monitoringGaps: Type.Array(MonitoringGap, { description: 'days the monitoring was not observing, oldest first' }),
});
export type StatusPage = Static<typeof StatusPage>;

// ---------------------------------------------------------------------------------------------------
// Live events (GET /v1/events, text/event-stream)

/** `event: state`: a node's state changed (as settled; MAINTENANCE windows are applied by the pages). */
export const NodeStateEvent = Type.Object({
  node: Type.String(),
  nodeId: Type.Integer(),
  operator: Nullable(Type.String()),
  region: Nullable(Type.String()),
  from: Nullable(Type.String(), 'the state before; null: the first heartbeat'),
  to: Type.String(),
  at: DateTime,
  cause: Nullable(Type.String(), 'the new interval’s cause (heartbeat, missed_heartbeats, check_failed, agent_evidence, not_observing)'),
});
export type NodeStateEvent = Static<typeof NodeStateEvent>;

/** `event: counts`: fleet-wide node counts per state (settled states; no maintenance applied). */
export const FleetCounts = Type.Object({ at: DateTime, states: StateCounts });
export type FleetCounts = Static<typeof FleetCounts>;

/** `event: hello`: the first event of a stream. */
export const EventsHello = Type.Object({
  role: Type.String(),
  scope: Type.Union([Type.Literal('all'), Type.Literal('operator'), Type.Literal('counts')], {
    description: 'all: every node; operator: the caller’s nodes; counts: fleet counts only',
  }),
  heartbeatSeconds: Type.Integer(),
});
export type EventsHello = Static<typeof EventsHello>;

// ---------------------------------------------------------------------------------------------------
// The node page

export const NodeCheck = Type.Object({
  name: Type.String(),
  probe: Type.String(),
  status: Type.String({ description: 'ok, warn, critical, unknown' }),
  message: Type.String(),
  slaCritical: Type.Boolean(),
  value: Nullable(Type.Number()),
  since: DateTime,
  updatedAt: DateTime,
});
export type NodeCheck = Static<typeof NodeCheck>;

/** A node as the node and operator pages show it now (its state with maintenance applied). */
const NodeNow = {
  region: Nullable(Type.String()),
  state: Nullable(ConsoleState),
  stateSince: Nullable(DateTime),
  lastHeartbeatAt: Nullable(DateTime),
  failing: Type.Array(Type.String()),
  agentVersion: Nullable(Type.String()),
};

export const NodeOverview = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  operator: Nullable(Type.String()),
  tier: Nullable(Type.String()),
  ...NodeNow,
  clockSkewMs: Nullable(Type.Integer(), 'agent clock minus collector clock at the last report (includes one-way latency)'),
  createdAt: DateTime,
  decommissionedAt: Nullable(DateTime),
  checks: Type.Array(NodeCheck),
  credential: Nullable(
    Type.Object({
      expiresAt: DateTime,
      rotateAfter: DateTime,
      lastUsedAt: Nullable(DateTime),
      expiresInDays: Type.Number(),
    }),
    'the credential in force (newest, not revoked); null when none. Never the secret.',
  ),
  maintenance: Nullable(Type.Object({ start: DateTime, end: DateTime, reason: Type.String() }), 'the window covering now'),
});
export type NodeOverview = Static<typeof NodeOverview>;

/** One stored state interval, as `GET /v1/nodes/{node}/uptime?intervals=true` lists them (the node page's timeline). */
export const StateIntervalView = Type.Object({
  state: Type.String(),
  start: DateTime,
  end: DateTime,
  cause: Type.String(),
  evidence: Type.Record(Type.String(), Type.Unknown()),
});
export type StateIntervalView = Static<typeof StateIntervalView>;

/** Per-minute series, columnar (index i of every array is minute `t[i]`); null where the minute has no value. */
export const NodeSeries = Type.Object({
  node: Type.String(),
  from: DateTime,
  to: DateTime,
  stepSeconds: Type.Integer(),
  t: Type.Array(Type.Integer(), { description: 'minute starts, ms since the epoch' }),
  diskPctMax: Type.Array(Nullable(Type.Number())),
  load1Avg: Type.Array(Nullable(Type.Number())),
  memPctAvg: Type.Array(Nullable(Type.Number())),
  agentRssKib: Type.Array(Nullable(Type.Number())),
  agentCpuPct: Type.Array(Nullable(Type.Number()), { description: 'percent of one core' }),
});
export type NodeSeries = Static<typeof NodeSeries>;

export const SeriesQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'default: to − 24 h' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'default: now' })),
  },
  { additionalProperties: false },
);

// ---------------------------------------------------------------------------------------------------
// The operator page: their nodes with their state

export const ConsoleNode = Type.Object({ id: Type.Integer(), name: Type.String(), ...NodeNow });
export type ConsoleNode = Static<typeof ConsoleNode>;

export const OperatorNodes = Type.Object({
  operator: Type.String(),
  tier: Type.String(),
  thresholdPct: Type.Number(),
  states: StateCounts,
  nodes: Type.Array(ConsoleNode),
});
export type OperatorNodes = Static<typeof OperatorNodes>;

export const OperatorIncidents = Type.Object({ operator: Type.String(), incidents: Type.Array(Incident) });
export type OperatorIncidents = Static<typeof OperatorIncidents>;

export const OperatorMaintenance = Type.Object({
  operator: Type.String(),
  windows: Type.Array(
    Type.Object({
      id: Type.Integer(),
      scope: Type.Union([Type.Literal('node'), Type.Literal('operator'), Type.Literal('region'), Type.Literal('fleet')]),
      region: Nullable(Type.String()),
      nodes: Type.Array(Type.String(), { description: 'the operator’s nodes the window covers' }),
      recurrence: Nullable(Type.String()),
      declaredBy: Type.String(),
      reason: Type.String(),
      cancelledAt: Nullable(DateTime),
      occurrences: Type.Array(Type.Object({ start: DateTime, end: DateTime, current: Type.Boolean() }), {
        description: 'oldest first, at most 20',
      }),
    }),
  ),
});
export type OperatorMaintenance = Static<typeof OperatorMaintenance>;

// ---------------------------------------------------------------------------------------------------
// The fleet page

export const OutboxHealth = Type.Object({
  pending: Type.Integer(),
  sending: Type.Integer(),
  sent: Type.Integer(),
  skipped: Type.Integer(),
  dead: Type.Integer({ description: 'gave up after the retries: someone should look' }),
  oldestPendingAgeSeconds: Type.Number({ description: 'age of the oldest row pending or sending; 0 when none' }),
});
export type OutboxHealth = Static<typeof OutboxHealth>;

export const FleetOverview = Type.Object({
  at: DateTime,
  nodeCount: Type.Integer(),
  states: StateCounts,
  regions: Type.Array(Type.Object({ region: Nullable(Type.String()), nodeCount: Type.Integer(), states: StateCounts })),
  sla: Type.Object({
    month: Type.String(),
    ratio: Nullable(Type.Number(), 'the month so far'),
    thresholdPct: Type.Number(),
    meetsThreshold: Nullable(Type.Boolean()),
    budget: Type.Object({
      allowedDownSeconds: Type.Number(),
      usedDownSeconds: Type.Number(),
      leftSeconds: Type.Number(),
      final: Type.Boolean(),
    }),
    projection: Type.Object({ ratio: Nullable(Type.Number()), downSeconds: Type.Number(), meetsThreshold: Nullable(Type.Boolean()) }),
  }),
  incidents: Type.Object({ open: Type.Integer(), acknowledged: Type.Integer(), bySeverity: Type.Record(Type.String(), Type.Integer()) }),
  outbox: OutboxHealth,
});
export type FleetOverview = Static<typeof FleetOverview>;
