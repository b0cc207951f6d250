/**
 * Incidents on PostgreSQL: the records (`incidents`), the nodes each covers (`incident_nodes`, by node
 * name) and their history (`incident_events`). Rows are converted to incident records (incidents.ts,
 * times as epoch ms) here and nowhere else. Every function takes the connection or the transaction to run on.
 */
import type postgres from 'postgres';
import type { IncidentStatus, Severity } from '@timmy/shared';
import type { incidentEvents, incidentNodes, incidents } from '../db/schema/alerts.ts';
import type { NotificationNode } from './channels/channel.ts';
import { nodeChanges, type Incident, type IncidentScope } from './incidents.ts';

export type Sql = postgres.Sql | postgres.TransactionSql;

/** A row of `incidents`, as the queries below alias its columns. */
type IncidentRow = typeof incidents.$inferSelect;
/** A row of `incident_events`, as the queries below alias its columns. */
export type IncidentEventRow = Pick<typeof incidentEvents.$inferSelect, 'id' | 'type' | 'at' | 'actor' | 'data'>;
type IncidentNodeRow = Pick<typeof incidentNodes.$inferSelect, 'incidentId' | 'nodeName' | 'operatorId' | 'region'>;

const incidentColumns = (sql: Sql) => sql`
  id, key, severity, status, summary, scope_type as "scopeType", operator_ids as "operatorIds", regions,
  alert_keys as "alertKeys", flapping, opened_at as "openedAt", acknowledged_at as "acknowledgedAt",
  acknowledged_by as "acknowledgedBy", resolved_at as "resolvedAt", resolved_by as "resolvedBy", cause, resolution,
  absorbed_into as "absorbedInto", escalated_at as "escalatedAt", respond_missed_at as "respondMissedAt",
  resolve_missed_at as "resolveMissedAt", postmortem_required as "postmortemRequired", postmortem_due_at as "postmortemDueAt"`;

const date = (t: number | null) => (t === null ? null : new Date(t));
const ms = (d: Date | null) => (d === null ? null : d.getTime());

function fromRow(r: IncidentRow, nodeIds: string[]): Incident {
  return {
    id: r.id,
    key: r.key,
    severity: r.severity,
    status: r.status,
    summary: r.summary,
    nodeIds,
    operatorIds: r.operatorIds,
    regions: r.regions,
    alertKeys: r.alertKeys,
    flapping: r.flapping,
    openedAt: r.openedAt.getTime(),
    acknowledgedAt: ms(r.acknowledgedAt),
    acknowledgedBy: r.acknowledgedBy,
    resolvedAt: ms(r.resolvedAt),
    resolvedBy: r.resolvedBy,
    cause: r.cause,
    resolution: r.resolution,
    absorbedInto: r.absorbedInto,
    escalatedAt: ms(r.escalatedAt),
    respondMissedAt: ms(r.respondMissedAt),
    resolveMissedAt: ms(r.resolveMissedAt),
    postmortemRequired: r.postmortemRequired,
    postmortemDueAt: ms(r.postmortemDueAt),
  };
}

/** The records of `rows`, each with the nodes it covers now (sorted). */
async function withNodes(sql: Sql, rows: IncidentRow[]): Promise<Incident[]> {
  if (!rows.length) return [];
  const nodes = await sql<Pick<IncidentNodeRow, 'incidentId' | 'nodeName'>[]>`
    select incident_id as "incidentId", node_name as "nodeName" from incident_nodes
     where incident_id = any(${rows.map((r) => r.id)}::text[]) and removed_at is null`;
  const by = new Map<string, string[]>();
  for (const n of nodes) {
    const list = by.get(n.incidentId);
    if (list) list.push(n.nodeName);
    else by.set(n.incidentId, [n.nodeName]);
  }
  return rows.map((r) => fromRow(r, (by.get(r.id) ?? []).sort()));
}

export async function getIncident(sql: Sql, id: string): Promise<Incident | null> {
  const rows = await sql<IncidentRow[]>`select ${incidentColumns(sql)} from incidents where id = ${id}`;
  return (await withNodes(sql, rows))[0] ?? null;
}

/** One incident locked for update (in a transaction), with its scope; null when there is none. */
export async function lockIncident(sql: postgres.TransactionSql, id: string): Promise<{ incident: Incident; scope: IncidentScope } | null> {
  const rows = await sql<IncidentRow[]>`select ${incidentColumns(sql)} from incidents where id = ${id} for update`;
  const [incident] = await withNodes(sql, rows);
  return incident ? { incident, scope: rows[0]!.scopeType } : null;
}

/** Every incident not resolved, locked for update (the alert cycle's transaction), with its scope. */
export async function lockOpenIncidents(sql: postgres.TransactionSql): Promise<Array<{ incident: Incident; scope: IncidentScope }>> {
  const rows = await sql<IncidentRow[]>`select ${incidentColumns(sql)} from incidents where status <> 'resolved' for update`;
  const list = await withNodes(sql, rows);
  return list.map((incident, i) => ({ incident, scope: rows[i]!.scopeType }));
}

export interface IncidentQuery {
  from?: number;
  to?: number;
  status?: IncidentStatus | 'unresolved';
  severity?: Severity;
  /** Incidents touching this operator, region or (current) node. */
  operator?: string;
  region?: string;
  node?: string;
  limit?: number;
}

/** Incidents opened in [from, to) (all of them when no range) that match every filter, newest first. For the API, CLI and stats. */
export async function listIncidents(sql: Sql, q: IncidentQuery = {}): Promise<Incident[]> {
  const conds = [sql`true`];
  if (q.from !== undefined) conds.push(sql`opened_at >= ${new Date(q.from)}`);
  if (q.to !== undefined) conds.push(sql`opened_at < ${new Date(q.to)}`);
  if (q.status === 'unresolved') conds.push(sql`status <> 'resolved'`);
  else if (q.status) conds.push(sql`status = ${q.status}`);
  if (q.severity) conds.push(sql`severity = ${q.severity}`);
  if (q.operator !== undefined) conds.push(sql`operator_ids @> ${sql.json([q.operator])}`);
  if (q.region !== undefined) conds.push(sql`regions @> ${sql.json([q.region])}`);
  if (q.node !== undefined) {
    conds.push(sql`exists (select 1 from incident_nodes n
                            where n.incident_id = incidents.id and n.node_name = ${q.node} and n.removed_at is null)`);
  }
  const where = conds.reduce((a, c) => sql`${a} and ${c}`);
  const rows = await sql<IncidentRow[]>`
    select ${incidentColumns(sql)} from incidents where ${where} order by opened_at desc limit ${q.limit ?? 1000}`;
  return withNodes(sql, rows);
}

/** An incident's history, oldest first. */
export function incidentHistory(sql: Sql, id: string): Promise<IncidentEventRow[]> {
  return sql<IncidentEventRow[]>`select id::float8 as id, type, at, actor, data from incident_events where incident_id = ${id} order by id`;
}

function toRow(sql: Sql, i: Incident) {
  return {
    key: i.key,
    severity: i.severity,
    status: i.status,
    summary: i.summary,
    operator_ids: sql.json(i.operatorIds),
    regions: sql.json(i.regions),
    alert_keys: sql.json(i.alertKeys),
    flapping: i.flapping,
    opened_at: new Date(i.openedAt),
    acknowledged_at: date(i.acknowledgedAt),
    acknowledged_by: i.acknowledgedBy,
    resolved_at: date(i.resolvedAt),
    resolved_by: i.resolvedBy,
    cause: i.cause,
    resolution: i.resolution,
    absorbed_into: i.absorbedInto,
    escalated_at: date(i.escalatedAt),
    respond_missed_at: date(i.respondMissedAt),
    resolve_missed_at: date(i.resolveMissedAt),
    postmortem_required: i.postmortemRequired,
    postmortem_due_at: date(i.postmortemDueAt),
  };
}

/** Writes a new incident record. */
export async function insertIncident(sql: Sql, i: Incident, scope: IncidentScope): Promise<void> {
  await sql`insert into incidents ${sql({ id: i.id, scope_type: scope, ...toRow(sql, i) })}`;
}

/** Writes every field of an existing incident record (its scope too when given). */
export async function updateIncident(sql: Sql, i: Incident, scope: IncidentScope | null = null): Promise<void> {
  await sql`update incidents set ${sql({ ...toRow(sql, i), ...(scope ? { scope_type: scope } : {}) })} where id = ${i.id}`;
}

/** Records that escalation and missed targets were announced (the alert cycle's timers). */
export async function updateIncidentTimers(sql: Sql, i: Incident): Promise<void> {
  await sql`update incidents set escalated_at = ${date(i.escalatedAt)}, respond_missed_at = ${date(i.respondMissedAt)},
                                 resolve_missed_at = ${date(i.resolveMissedAt)}
             where id = ${i.id}`;
}

/** Records an acknowledgement. */
export async function updateIncidentAck(sql: Sql, i: Incident): Promise<void> {
  await sql`update incidents set status = ${i.status}, acknowledged_at = ${date(i.acknowledgedAt)}, acknowledged_by = ${i.acknowledgedBy}
             where id = ${i.id}`;
}

/** Brings `incident_nodes` from the nodes covered `before` to the record's: added ones (again) current, the others removed. */
export async function setIncidentNodes(
  sql: Sql,
  i: Incident,
  before: string[],
  now: number,
  nodeInfo: (name: string) => NotificationNode | undefined,
): Promise<void> {
  const { added, removed } = nodeChanges(before, i.nodeIds);
  // In slices: one statement's parameters are at most 65,535 (5 per row), and a fleet-wide incident has a row per node.
  for (let k = 0; k < added.length; k += 5_000) {
    const rows = added.slice(k, k + 5_000).map((n) => ({
      node_name: n,
      incident_id: i.id,
      operator_id: nodeInfo(n)?.operatorId ?? '',
      region: nodeInfo(n)?.region ?? '',
      added_at: new Date(now),
    }));
    await sql`insert into incident_nodes ${sql(rows)} on conflict (node_name, incident_id) do update set removed_at = null`;
  }
  if (removed.length) {
    await sql`update incident_nodes set removed_at = ${new Date(now)}
               where incident_id = ${i.id} and node_name = any(${removed}::text[])`;
  }
}

/** Every node an incident ever covered, with its operator and region (for notifications). */
export async function incidentNodeInfo(sql: Sql, incidentId: string): Promise<Map<string, NotificationNode>> {
  const rows = await sql<IncidentNodeRow[]>`
    select incident_id as "incidentId", node_name as "nodeName", operator_id as "operatorId", region
      from incident_nodes where incident_id = ${incidentId}`;
  return new Map(rows.map((r) => [r.nodeName, { id: r.nodeName, operatorId: r.operatorId, region: r.region }]));
}

/** The unresolved incidents whose only node still covered is this one (a node retired leaves them nobody). */
export async function incidentsOnlyOn(sql: Sql, nodeName: string): Promise<string[]> {
  const rows = await sql<Pick<IncidentRow, 'id'>[]>`
    select i.id from incidents i
     where i.status <> 'resolved'
       and exists (select 1 from incident_nodes x where x.incident_id = i.id and x.node_name = ${nodeName} and x.removed_at is null)
       and not exists (select 1 from incident_nodes x where x.incident_id = i.id and x.node_name <> ${nodeName} and x.removed_at is null)`;
  return rows.map((r) => r.id);
}

/** Records one event of an incident's history; returns its id. */
export async function insertIncidentEvent(
  sql: Sql,
  e: { incidentId: string; type: string; at: number; actor: string | null; data: Record<string, unknown> },
): Promise<number> {
  const [row] = await sql<Pick<IncidentEventRow, 'id'>[]>`
    insert into incident_events (incident_id, type, at, actor, data)
    values (${e.incidentId}, ${e.type}, ${new Date(e.at)}, ${e.actor}, ${sql.json(e.data as postgres.JSONValue)})
    returning id::float8 as id`;
  return row!.id;
}

/** Incidents open or acknowledged, by severity. */
export async function openIncidentCounts(sql: Sql): Promise<Partial<Record<Severity, number>>> {
  const rows = await sql<Array<{ severity: Severity; n: number }>>`
    select severity, count(*)::int4 as n from incidents where status <> 'resolved' group by severity`;
  return Object.fromEntries(rows.map((r) => [r.severity, r.n]));
}
