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
import { nodesInService, transfersOf, type NamedTransferRow, type OwnedNodeRow } from '../stores/ownership.ts';
import { adjustmentsOf, type AdjustmentRow } from '../stores/statements.ts';
import { taskImportsOf } from '../stores/tasks.ts';
import { incidentsOpenedIn, intervalsOfNodes, paidOperators, referralsAsOf } from '../stores/pay-evidence.ts';
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
  const rows = await paidOperators(sql, { states: PAID_STATES, end: new Date(m.end), firstDay: dayOf(m.start), operator });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    tier: r.tier,
    lifecycle: r.lifecycle,
    activeSince: dayOf(r.since.getTime()),
    lastActiveDay: r.lastActiveDay,
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
    intervalsOfNodes(sql, { nodeIds, from: m.start, to: m.end, now }),
    taskImportsOf(sql, month, only?.operator),
    adjustmentsOf(sql, month, only ? { kind: 'operator', id: only.operator } : undefined),
    incidentsOpenedIn(sql, { from: m.start, to: m.end, severities: CRITICAL_SEVERITIES }),
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
    const owner = ownership ? ownerAt(ownership, r.openedMs) : null;
    if (owner === null || !byName.has(owner)) continue;
    const list = incidentsOf.get(owner) ?? incidentsOf.set(owner, new Map()).get(owner)!;
    list.set(r.id, { id: r.id, severity: r.severity, openedAt: r.openedMs, acknowledgedAt: r.acknowledgedMs });
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
export async function partnerReferrals(sql: Queryable, month: string, partner?: string): Promise<PartnerReferrals[]> {
  const out = new Map<string, Referral[]>();
  for (const r of await referralsAsOf(sql, new Date(parseMonth(month).end), partner)) {
    const list = out.get(r.partner) ?? out.set(r.partner, []).get(r.partner)!;
    if (r.operator !== null && r.referredAt !== null)
      list.push({ operatorId: r.operator, referredOn: dayOf(r.referredAt.getTime()), qualifying: r.qualifying === true });
  }
  return [...out].map(([partner, referrals]) => ({ partner, referrals }));
}
