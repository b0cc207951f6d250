/**
 * The nodes table: the one way to find a node by id or name (resolveNode), the node lists every view
 * reads, registration's insert and decommission.
 */
import type postgres from 'postgres';
import type { StateCounts } from '@timmy/shared';
import { LOCKS } from '../db/database.ts';
import type { nodes, operators } from '../db/schema/index.ts';
import { Errors } from '../errors.ts';
import type { CoverageNow } from '../sla/maintenance.ts';
import { parseRef } from '../refs.ts';
import { endIntervalsAt } from './intervals.ts';

type Node = typeof nodes.$inferSelect;
type NodeTimes = 'createdAt' | 'stateSince' | 'lastHbAt' | 'decommissionedAt';

/** A node as the rest of the collector sees it: its operator's name and tier joined, times in ms since the epoch. */
export type NodeRecord = Pick<
  Node,
  'name' | 'region' | 'currentState' | 'failing' | 'agentVersion' | 'clockSkewMs' | 'decommissionReason'
> & {
  id: number;
  operatorId: number | null;
  operator: string | null;
  tier: (typeof operators.$inferSelect)['tier'] | null;
  createdAt: number;
  stateSince: number | null;
  lastHbAt: number | null;
  decommissionedAt: number | null;
};

/** The row as postgres.js reads it: int8 as an exact string, timestamps as Dates. */
type NodeRow = Omit<NodeRecord, 'id' | 'operatorId' | NodeTimes> &
  Pick<Node, NodeTimes> & {
    id: string;
    operatorId: string | null;
  };

/** The nodes the SLA figures are computed for (what the SLA services need of a node). */
export type SlaNode = Pick<NodeRecord, 'id' | 'name' | 'operatorId' | 'operator' | 'tier' | 'region' | 'currentState'> & {
  /** When the node was retired (no time ahead counts for it), if it was. */
  decommissionedAt?: number | null;
};

const SELECT = (sql: postgres.ISql) => sql`
  select n.id, n.name, n.operator_id as "operatorId", o.name as operator, o.tier, n.region, n.created_at as "createdAt",
    n.current_state as "currentState", n.state_since as "stateSince", n.last_hb_at as "lastHbAt", n.failing,
    n.agent_version as "agentVersion", n.clock_skew_ms as "clockSkewMs",
    n.decommissioned_at as "decommissionedAt", n.decommission_reason as "decommissionReason"
  from nodes n left join operators o on o.id = n.operator_id`;

const ms = (d: Date | null) => (d === null ? null : d.getTime());
const record = (r: NodeRow): NodeRecord => ({
  ...r,
  id: Number(r.id),
  operatorId: r.operatorId === null ? null : Number(r.operatorId),
  createdAt: r.createdAt.getTime(),
  stateSince: ms(r.stateSince),
  lastHbAt: ms(r.lastHbAt),
  decommissionedAt: ms(r.decommissionedAt),
});

/** The node with this id or name, or undefined. */
export async function findNode(sql: postgres.ISql, key: { id: number } | { name: string }): Promise<NodeRecord | undefined> {
  const [row] = await sql<NodeRow[]>`${SELECT(sql)} where ${'id' in key ? sql`n.id = ${key.id}` : sql`n.name = ${key.name}`}`;
  return row && record(row);
}

/**
 * A node named by id (all digits) or by name, decommissioned or not; FLEET_NOT_FOUND when there is
 * none (FLEET_BAD_REQUEST for digits beyond what ids can be).
 */
export async function resolveNode(sql: postgres.ISql, ref: string): Promise<NodeRecord> {
  const r = parseRef(ref, 'node');
  const node = await findNode(sql, r.id !== undefined ? { id: r.id } : { name: r.name });
  if (!node) throw new Errors.NotFound(`no node "${ref}"`);
  return node;
}

/** The SLA-critical checks failing as of each node's newest sample (ingest's carried-forward prior), by node id. */
export async function failingByNode(sql: postgres.ISql, ids: number[]): Promise<Map<number, string[]>> {
  const rows = await sql<
    (Pick<Node, 'failing'> & { id: string })[]
  >`select id::int8 as id, failing from nodes where id = any(${ids}::int8[])`;
  return new Map(rows.map((r) => [Number(r.id), r.failing]));
}

/** Every node, decommissioned ones included, by name (or one operator's: `operatorId`). */
export async function listNodes(sql: postgres.ISql, filter: { operatorId?: number } = {}): Promise<NodeRecord[]> {
  const only = filter.operatorId === undefined ? sql`` : sql`where n.operator_id = ${filter.operatorId}`;
  return (await sql<NodeRow[]>`${SELECT(sql)} ${only} order by n.name`).map(record);
}

/** A node's state now as the lists filter it: UP, DOWN, UNKNOWN, MAINTENANCE, or `untracked` (no heartbeat yet). */
export type StateFilter = keyof StateCounts;

/**
 * The nodes in service at `now` in one state now (sla/maintenance.ts stateNow: MAINTENANCE inside a window in
 * force, which `covered` describes; otherwise the settled state), by name, the first `limit` of them, and
 * how many there are in all.
 */
export async function listNodesInState(
  sql: postgres.ISql,
  q: { state: StateFilter; covered: CoverageNow; now: number; limit: number; operatorId?: number },
): Promise<{ total: number; nodes: NodeRecord[] }> {
  const c = q.covered;
  const inWindow = sql`(${c.fleet} or n.id = any(${c.nodeIds}::int8[]) or n.operator_id = any(${c.operatorIds}::int8[])
    or n.region = any(${c.regions}::text[]))`;
  const inState =
    q.state === 'untracked'
      ? sql`n.current_state is null`
      : q.state === 'MAINTENANCE'
        ? sql`n.current_state is not null and (n.current_state = 'MAINTENANCE' or ${inWindow})`
        : sql`n.current_state = ${q.state} and not ${inWindow}`;
  const rows = await sql<(NodeRow & { total: string })[]>`
    select s.*, count(*) over () as total from (${SELECT(sql)}
      where (n.decommissioned_at is null or n.decommissioned_at > ${new Date(q.now)}) and ${inState}
        ${q.operatorId !== undefined ? sql`and n.operator_id = ${q.operatorId}` : sql``}) s
    order by s.name limit ${q.limit}`;
  return { total: rows.length ? Number(rows[0]!.total) : 0, nodes: rows.map(({ total: _, ...r }) => record(r)) };
}

/**
 * The nodes figures are computed for. A decommissioned node counts for the time before its decommission
 * (its intervals end there): it is listed when it was still in service after `inServiceAfter` (a
 * window's start), and never when that is not given (figures as of now).
 */
export async function listSlaNodes(sql: postgres.ISql, filter: SlaNodeFilter = {}): Promise<SlaNode[]> {
  // Only the columns an SLA node has: the fleet's list is read often (the alert cycle, the fleet's figures),
  // and decoding every column of 10,000 rows cost more than the query.
  const rows = await sql<SlaNodeRow[]>`
    select n.id, n.name, n.operator_id as "operatorId", o.name as operator, o.tier, n.region,
      n.current_state as "currentState", n.decommissioned_at as "decommissionedAt"
    from nodes n left join operators o on o.id = n.operator_id
    ${slaWhere(sql, filter)} order by n.name`;
  return rows.map((r) => ({
    ...r,
    id: Number(r.id),
    operatorId: r.operatorId === null ? null : Number(r.operatorId),
    decommissionedAt: ms(r.decommissionedAt),
  }));
}

type SlaNodeRow = Omit<SlaNode, 'id' | 'operatorId' | 'decommissionedAt'> & {
  id: string;
  operatorId: string | null;
  decommissionedAt: Date | null;
};

/** The ids of the nodes listSlaNodes lists (no order): what a group's figures need when they need no more. */
export async function listSlaNodeIds(sql: postgres.ISql, filter: SlaNodeFilter = {}): Promise<Array<{ id: number }>> {
  const rows = await sql<{ id: string }[]>`select n.id from nodes n ${slaWhere(sql, filter)}`;
  return rows.map((r) => ({ id: Number(r.id) }));
}

/** How many nodes listSlaNodes lists, counted in the database (a group's size when its ids are not needed). */
export async function countSlaNodes(sql: postgres.ISql, filter: SlaNodeFilter = {}): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from nodes n ${slaWhere(sql, filter)}`;
  return row?.n ?? 0;
}

type SlaNodeFilter = { operatorId?: number; region?: string; nodeId?: number; inServiceAfter?: number };

const slaWhere = (sql: postgres.ISql, filter: SlaNodeFilter) => sql`
  where (n.decommissioned_at is null${filter.inServiceAfter !== undefined ? sql` or n.decommissioned_at > ${new Date(filter.inServiceAfter)}` : sql``})
    ${filter.operatorId !== undefined ? sql`and n.operator_id = ${filter.operatorId}` : sql``}
    ${filter.region !== undefined ? sql`and n.region = ${filter.region}` : sql``}
    ${filter.nodeId !== undefined ? sql`and n.id = ${filter.nodeId}` : sql``}`;

/** Whether any node (in service or not) is in this region. */
export async function regionExists(sql: postgres.ISql, region: string): Promise<boolean> {
  return (await sql`select 1 from nodes where region = ${region} limit 1`).length > 0;
}

/** A new node; null when the name is taken. */
export async function insertNode(
  sql: postgres.ISql,
  n: { name: string; operatorId: number | null; region: string | null; createdAt: number; inventory?: postgres.JSONValue },
): Promise<number | null> {
  const [row] = await sql<Array<{ id: string }>>`
    insert into nodes (name, operator_id, region, created_at, inventory)
    values (${n.name}, ${n.operatorId}, ${n.region}, ${new Date(n.createdAt)}, ${n.inventory === undefined ? null : sql.json(n.inventory)})
    on conflict do nothing returning id`;
  return row ? Number(row.id) : null;
}

/**
 * Retires the node as of `at` (false when it was retired already): its state bookkeeping stops and its
 * intervals end at `at`. Runs after the settle job's current run (it takes the settle lock), so none of
 * the job's writes lands after these.
 */
export async function decommission(sql: postgres.Sql, nodeId: number, at: number, reason: string | null): Promise<boolean> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCKS.settle})`;
    // The settle job never picks the node again (nothing due, and its reports are refused from now on).
    const updated = await tx`
      update nodes set decommissioned_at = ${new Date(at)}, decommission_reason = ${reason}, state_check_at = null, recompute_from = null
       where id = ${nodeId} and decommissioned_at is null returning id`;
    if (updated.length === 0) return false;
    await endIntervalsAt(tx, nodeId, at);
    return true;
  });
}

export type { StateCounts };

/** No node in any state yet. */
export const zeroCounts = (): StateCounts => ({ UP: 0, DOWN: 0, UNKNOWN: 0, MAINTENANCE: 0, untracked: 0 });

/** Adds one node's state (null: no heartbeat yet) to `c`. */
export function countState(c: StateCounts, state: string | null): StateCounts {
  if (state === 'UP' || state === 'DOWN' || state === 'UNKNOWN' || state === 'MAINTENANCE') c[state]++;
  else c.untracked++;
  return c;
}

/** Nodes in service per settled state (no maintenance applied: the table's own), in one grouped read. */
export async function fleetStateCounts(sql: postgres.ISql): Promise<StateCounts> {
  const rows = await sql<{ state: string | null; n: number }[]>`
    select current_state as state, count(*)::int as n from nodes where decommissioned_at is null group by 1`;
  const c = zeroCounts();
  for (const r of rows) {
    const k = r.state === 'UP' || r.state === 'DOWN' || r.state === 'UNKNOWN' || r.state === 'MAINTENANCE' ? r.state : 'untracked';
    c[k] += r.n;
  }
  return c;
}
