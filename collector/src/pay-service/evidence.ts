/**
 * The evidence reader: a month's pay evidence, gathered from the database, in the shape the pay
 * engine takes (`OperatorEvidence`).
 *
 * - Ownership: the node's recorded transfers (`node_ownership`), or, for a node without any, its
 *   current operator since registration; a decommission ends ownership (nobody owns a retired node).
 *   `program/ownership.ts` turns that into each operator's spans in the month, cut to the operator's
 *   active period.
 * - State seconds per span: the node's stored intervals with declared maintenance applied, summed by
 *   the SLA core (`sla/summary.ts` `applyMaintenance` and `summarize`, `sla/maintenance.ts`
 *   `spansForNode`): the same figures as every uptime read. Maintenance scoped to an operator covers
 *   the node during the spans that operator owned it. Each state's milliseconds are truncated to whole
 *   seconds (time before a node's first heartbeat is in no state).
 * - Critical incidents: P0, P1 and P2 incidents opened in the month (not absorbed into a wider one),
 *   for the operator who owned an affected node when the incident opened, with their acknowledgement.
 * - Task imports of the month, adjustments paid in the month.
 */
import type postgres from 'postgres';
import type { Queryable } from '../stores/statements.ts';
import { loadMaintenance } from '../services/uptime.ts';
import { digestOf, type OperatorEvidence, type Referral } from '../pay/index.ts';
import { dayOf, parseMonth } from '../pay/month.ts';
import { nodeEvidence, ownerAt, ownershipSpans, withinActivePeriod, type NodeOwnership } from '../program/ownership.ts';
import { spansForNode, type MaintenanceDef } from '../sla/maintenance.ts';
import { applyMaintenance, summarize } from '../sla/summary.ts';
import type { Interval, UptimeState } from '../sla/types.ts';
import { nodesInService, transfersOf, type NamedTransferRow, type OwnedNodeRow } from '../stores/ownership.ts';
import { adjustmentsOf, type AdjustmentRow } from '../stores/statements.ts';
import { taskImportsOf } from '../stores/tasks.ts';
import { adjustmentEvidence } from './adjustments.ts';

/** Incident severities that count as critical for pay (acknowledgement bonus): a node or more failed. */
export const CRITICAL_SEVERITIES = ['P0', 'P1', 'P2'];

export interface OperatorRecord {
  id: number;
  name: string;
  tier: string;
  lifecycle: string;
  activeSince: string;
  lastActiveDay: string | null;
}

export interface GatheredOperator {
  operator: OperatorRecord;
  evidence: OperatorEvidence;
}

const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;
const upToSecond = (ms: number) => Math.ceil(ms / 1000) * 1000;

/** Lifecycle states in which an operator is paid (pipeline states and rejections are not). */
export const PAID_STATES = ['probation', 'certified', 'senior', 'fleet_lead', 'suspended', 'exited'];

/**
 * Operators paid for the month, or just one: in a paid lifecycle state, active since (their first move
 * into probation or certified, else their record's start) before the month's end, and not exited before
 * it began.
 */
export async function operatorsOf(sql: Queryable, month: string, operator?: string): Promise<OperatorRecord[]> {
  const m = parseMonth(month);
  const rows = await sql<{ id: number; name: string; tier: string; lifecycle: string; since: Date; last_active_day: string | null }[]>`
    select * from (
      select o.id::float8 as id, o.name, o.tier, o.lifecycle_state as lifecycle, o.last_active_day,
        coalesce((select min(t.at) from operator_transitions t where t.operator_id = o.id and t.to_state in ('probation', 'certified')), o.started_at) as since
      from operators o
      where o.lifecycle_state = any(${PAID_STATES}::text[]) ${operator === undefined ? sql`` : sql`and o.name = ${operator}`}
    ) x
    where x.since < ${new Date(m.end)} and (x.last_active_day is null or x.last_active_day >= ${dayOf(m.start)})
    order by x.name`;
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    tier: r.tier,
    lifecycle: r.lifecycle,
    activeSince: dayOf(r.since.getTime()),
    lastActiveDay: r.last_active_day,
  }));
}

/** A node's ownership history as the program core takes it (operator names as owners). */
export function ownershipOf(node: OwnedNodeRow, transfers: readonly NamedTransferRow[]): NodeOwnership | null {
  const registeredAt = wholeSecond(node.createdAt.getTime());
  const list: NodeOwnership['transfers'] = transfers.length
    ? transfers.map((t) => ({ to: t.operator, at: t.at.getTime() }))
    : node.operator === null
      ? []
      : [{ to: node.operator, at: registeredAt }];
  const retired = node.decommissionedAt ? upToSecond(node.decommissionedAt.getTime()) : null;
  if (retired !== null && list.length && list.at(-1)!.to !== null && retired > list.at(-1)!.at) list.push({ to: null, at: retired });
  if (!list.length) return null;
  return { nodeId: node.name, registeredAt: Math.min(registeredAt, list[0]!.at), transfers: list };
}

interface IntervalRow {
  node_id: number;
  state: UptimeState;
  start_ms: number;
  end_ms: number;
  cause: Interval['cause'];
}

/** Stored intervals of the nodes over [from, to), per node, open intervals ending at `now`. */
async function intervalsByNode(sql: Queryable, nodeIds: readonly number[] | undefined, from: number, to: number, now: number) {
  const end = new Date(Math.min(to, now));
  const only = nodeIds ? sql`and node_id = any(${nodeIds as number[]}::int8[])` : sql``;
  const rows = await sql<IntervalRow[]>`
    select node_id::float8 as node_id, state,
      (extract(epoch from greatest(start_at, ${new Date(from)})) * 1000)::float8 as start_ms,
      (extract(epoch from least(coalesce(end_at, ${end}), ${end})) * 1000)::float8 as end_ms, cause
    from state_intervals
    where start_at < ${end} and (end_at is null or end_at > ${new Date(from)}) ${only}
    order by node_id, start_at`;
  const out = new Map<number, Interval[]>();
  for (const r of rows) {
    if (r.end_ms <= r.start_ms) continue;
    const list = out.get(r.node_id) ?? [];
    list.push({ state: r.state, start: r.start_ms, end: r.end_ms, cause: r.cause, evidence: {} });
    out.set(r.node_id, list);
  }
  return out;
}

interface IncidentRow {
  id: string;
  severity: string;
  opened_ms: number;
  acknowledged_ms: number | null;
  node: string;
}

/**
 * Every operator's evidence for the month as of `now` (a closed month: `now` after its end; the live
 * estimate: now), or one operator's. Operators are keyed by name. `maintenance`: the windows declared
 * around the month (`monthMaintenance`).
 */
export async function gatherOperatorEvidence(
  sql: Queryable,
  month: string,
  now: number,
  maintenance: readonly MaintenanceDef[] | Promise<readonly MaintenanceDef[]>,
  only?: { operator: string },
): Promise<GatheredOperator[]> {
  const m = parseMonth(month);
  const [operators, nodes] = await Promise.all([
    operatorsOf(sql, month, only?.operator),
    nodesInService(sql, new Date(m.start), new Date(m.end), only?.operator),
  ]);
  if (!operators.length) return [];
  const nodeIds = only ? nodes.map((n) => n.id) : undefined;
  const [defs, transfers, intervals, tasks, adjustments, incidents] = await Promise.all([
    maintenance,
    transfersOf(sql, nodeIds),
    intervalsByNode(sql, nodeIds, m.start, m.end, now),
    taskImportsOf(sql, month, only?.operator),
    adjustmentsOf(sql, month, only ? { kind: 'operator', id: only.operator } : undefined),
    sql<IncidentRow[]>`
      select i.id, i.severity, (extract(epoch from i.opened_at) * 1000)::float8 as opened_ms,
        (extract(epoch from i.acknowledged_at) * 1000)::float8 as acknowledged_ms, x.node_name as node
      from incidents i join incident_nodes x on x.incident_id = i.id
      where i.opened_at >= ${new Date(m.start)} and i.opened_at < ${new Date(m.end)} and i.absorbed_into is null
        and i.severity = any(${CRITICAL_SEVERITIES}::text[])
      order by i.opened_at, i.id`,
  ]);
  const transfersByNode = new Map<number, NamedTransferRow[]>();
  for (const t of transfers) (transfersByNode.get(t.nodeId) ?? transfersByNode.set(t.nodeId, []).get(t.nodeId)!).push(t);
  const byName = new Map(operators.map((o) => [o.name, o] as const));

  const nodesOf = new Map<string, OperatorEvidence['nodes']>();
  const ownershipByNode = new Map<string, NodeOwnership>();
  for (const node of nodes) {
    const ownership = ownershipOf(node, transfersByNode.get(node.id) ?? []);
    if (!ownership) continue;
    ownershipByNode.set(node.name, ownership);
    const ivs = intervals.get(node.id) ?? [];
    for (const spans of ownershipSpans(ownership, month)) {
      const op = byName.get(spans.operatorId);
      if (!op) continue;
      const mine = withinActivePeriod(spans, month, op);
      if (!mine.spans.length) continue;
      const scope = { id: node.id, operatorId: op.id, region: node.region };
      const states = (from: number, to: number) => {
        const s = summarize(applyMaintenance(ivs, spansForNode(defs, scope, from, to)), from, to);
        return {
          upSeconds: Math.floor(s.upMs / 1000),
          downSeconds: Math.floor(s.downMs / 1000),
          unknownSeconds: Math.floor(s.unknownMs / 1000),
          maintenanceSeconds: Math.floor(s.maintenanceMs / 1000),
        };
      };
      const ref = `state_intervals node_id=${node.id}`;
      (nodesOf.get(op.name) ?? nodesOf.set(op.name, []).get(op.name)!).push(nodeEvidence(node.name, mine, month, states, ref));
    }
  }

  const incidentsOf = new Map<string, Map<string, OperatorEvidence['incidents'][number]>>();
  for (const r of incidents) {
    const ownership = ownershipByNode.get(r.node);
    const owner = ownership ? ownerAt(ownership, r.opened_ms) : null;
    if (owner === null || !byName.has(owner)) continue;
    const list = incidentsOf.get(owner) ?? incidentsOf.set(owner, new Map()).get(owner)!;
    list.set(r.id, { id: r.id, severity: r.severity, openedAt: r.opened_ms, acknowledgedAt: r.acknowledged_ms });
  }
  const adjustmentsFor = (name: string): AdjustmentRow[] => adjustments.filter((a) => a.subjectKind === 'operator' && a.subjectId === name);

  return operators.map((op) => {
    const adj = adjustmentsFor(op.name);
    const evidence: OperatorEvidence = {
      subject: 'operator',
      operator: { id: op.name, tier: op.tier, lifecycle: op.lifecycle, activeSince: op.activeSince, lastActiveDay: op.lastActiveDay },
      nodes: nodesOf.get(op.name) ?? [],
      tasks: tasks
        .filter((t) => t.operatorId === op.id)
        .map((t) => ({ sourceId: t.sourceId, assigned: t.assigned, completed: t.completed })),
      incidents: [...(incidentsOf.get(op.name)?.values() ?? [])],
      ...(adj.length ? { adjustments: adj.map(adjustmentEvidence) } : {}),
    };
    return { operator: op, evidence };
  });
}

/** The digest of a set of evidence (what a close read), for reports. */
export const evidenceSetDigest = (items: readonly GatheredOperator[]): string => digestOf(items.map((i) => digestOf(i.evidence)));

/** The maintenance windows that may cover the month (expanded exactly per node and span). */
export const monthMaintenance = (sql: postgres.Sql, month: string): Promise<MaintenanceDef[]> => {
  const m = parseMonth(month);
  return loadMaintenance(sql, m.start, m.end);
};

/** A partner and the operators they referred, as the pay evidence takes them. */
export interface PartnerReferrals {
  partner: string;
  referrals: Referral[];
}

/**
 * Every partner with their referrals. A referral qualifies once the referred operator was certified
 * (a move into certified by the month's end, or certified or above now).
 */
export async function partnerReferrals(sql: Queryable, month: string): Promise<PartnerReferrals[]> {
  const end = new Date(parseMonth(month).end);
  const rows = await sql<{ partner: string; operator: string | null; referred_at: Date | null; qualifying: boolean | null }[]>`
    select p.name as partner, o.name as operator, r.referred_at,
      (o.lifecycle_state in ('certified', 'senior', 'fleet_lead')
        or exists (select 1 from operator_transitions t where t.operator_id = o.id and t.to_state = 'certified' and t.at < ${end})) as qualifying
    from partners p left join referrals r on r.partner_id = p.id left join operators o on o.id = r.operator_id
    order by p.name, o.name`;
  const out = new Map<string, Referral[]>();
  for (const r of rows) {
    const list = out.get(r.partner) ?? out.set(r.partner, []).get(r.partner)!;
    if (r.operator !== null && r.referred_at !== null)
      list.push({ operatorId: r.operator, referredOn: dayOf(r.referred_at.getTime()), qualifying: r.qualifying === true });
  }
  return [...out].map(([partner, referrals]) => ({ partner, referrals }));
}
