/**
 * The reads behind a month's pay evidence (pay-service/evidence.ts turns them into what the pay engine
 * takes): the operators paid in a month, many nodes' state intervals over the month, the critical
 * incidents opened in it, and every partner's referrals. Rows are typed here and converted to plain
 * numbers (ms since the epoch) and strings; nothing else reads these shapes.
 */
import type { operators } from '../db/schema/index.ts';
import type { Interval, UptimeState } from '../sla/types.ts';
import type { Queryable } from './statements.ts';

/** An operator as pay reads them: `since` is when they became active (first move into probation or certified, else their record's start). */
export type PaidOperatorRow = Pick<typeof operators.$inferSelect, 'name' | 'tier' | 'lastActiveDay'> & {
  id: number;
  lifecycle: string;
  since: Date;
};

/**
 * Operators in one of `states`, active before `end` and not exited before `firstDay` (YYYY-MM-DD),
 * or just the one named; by name.
 */
export async function paidOperators(
  sql: Queryable,
  q: { states: readonly string[]; end: Date; firstDay: string; operator?: string | undefined },
): Promise<PaidOperatorRow[]> {
  return sql<PaidOperatorRow[]>`
    select * from (
      select o.id::float8 as id, o.name, o.tier, o.lifecycle_state as lifecycle, o.last_active_day as "lastActiveDay",
        coalesce((select min(t.at) from operator_transitions t where t.operator_id = o.id and t.to_state in ('probation', 'certified')), o.started_at) as since
      from operators o
      where o.lifecycle_state = any(${q.states as string[]}::text[]) ${q.operator === undefined ? sql`` : sql`and o.name = ${q.operator}`}
    ) x
    where x.since < ${q.end} and (x."lastActiveDay" is null or x."lastActiveDay" >= ${q.firstDay})
    order by x.name`;
}

type IntervalRow = { nodeId: number; state: UptimeState; startMs: number; endMs: number; cause: Interval['cause'] };

/**
 * Stored intervals of the nodes (all when `nodeIds` is undefined) over [from, to), clipped to it, the
 * open ones ending at `now`; per node id, in time order. Empty pieces are dropped.
 */
export async function intervalsOfNodes(
  sql: Queryable,
  q: { nodeIds: readonly number[] | undefined; from: number; to: number; now: number },
): Promise<Map<number, Interval[]>> {
  const end = new Date(Math.min(q.to, q.now));
  const from = new Date(q.from);
  const only = q.nodeIds ? sql`and node_id = any(${q.nodeIds as number[]}::int8[])` : sql``;
  const rows = await sql<IntervalRow[]>`
    select node_id::float8 as "nodeId", state,
      (extract(epoch from greatest(start_at, ${from})) * 1000)::float8 as "startMs",
      (extract(epoch from least(coalesce(end_at, ${end}), ${end})) * 1000)::float8 as "endMs", cause
    from state_intervals
    where start_at < ${end} and (end_at is null or end_at > ${from}) ${only}
    order by node_id, start_at`;
  const out = new Map<number, Interval[]>();
  for (const r of rows) {
    if (r.endMs <= r.startMs) continue;
    const list = out.get(r.nodeId) ?? out.set(r.nodeId, []).get(r.nodeId)!;
    list.push({ state: r.state, start: r.startMs, end: r.endMs, cause: r.cause, evidence: {} });
  }
  return out;
}

/** One affected node of an incident (an incident on three nodes is three rows). */
export interface IncidentNodeRow {
  id: string;
  severity: string;
  openedMs: number;
  acknowledgedMs: number | null;
  node: string;
}

/** Incidents of `severities` opened in [from, to), not absorbed into a wider one, one row per affected node; oldest first. */
export async function incidentsOpenedIn(
  sql: Queryable,
  q: { from: number; to: number; severities: readonly string[] },
): Promise<IncidentNodeRow[]> {
  return sql<IncidentNodeRow[]>`
    select i.id, i.severity, (extract(epoch from i.opened_at) * 1000)::float8 as "openedMs",
      (extract(epoch from i.acknowledged_at) * 1000)::float8 as "acknowledgedMs", x.node_name as node
    from incidents i join incident_nodes x on x.incident_id = i.id
    where i.opened_at >= ${new Date(q.from)} and i.opened_at < ${new Date(q.to)} and i.absorbed_into is null
      and i.severity = any(${q.severities as string[]}::text[])
    order by i.opened_at, i.id`;
}

/** A partner and one referral (operator null for a partner with none). */
export interface ReferralRow {
  partner: string;
  operator: string | null;
  referredAt: Date | null;
  /** The referred operator was certified by `end` (a move into certified), or is certified or above now. */
  qualifying: boolean | null;
}

/** Every partner with each of their referrals, by partner and operator name; `partner`: one partner only. */
export async function referralsAsOf(sql: Queryable, end: Date, partner?: string): Promise<ReferralRow[]> {
  return sql<ReferralRow[]>`
    select p.name as partner, o.name as operator, r.referred_at as "referredAt",
      (o.lifecycle_state in ('certified', 'senior', 'fleet_lead')
        or exists (select 1 from operator_transitions t where t.operator_id = o.id and t.to_state = 'certified' and t.at < ${end})) as qualifying
    from partners p left join referrals r on r.partner_id = p.id left join operators o on o.id = r.operator_id
    ${partner === undefined ? sql`` : sql`where p.name = ${partner}`}
    order by p.name, o.name`;
}
