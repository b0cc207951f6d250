/**
 * The alert cycle's reads of the fleet: every node in service (with its credential's expiry), the
 * checks in the statuses some rule fires on, and each node's disk figure where it reaches a threshold.
 * Times come as epoch ms, so no row costs a date parse: at 20,000 nodes this read is most of a cycle.
 */
import type postgres from 'postgres';
import type { CheckStatus } from './types.ts';

/** The operator of a node without one, and the region of a node without one, as alerting names them. */
export const UNASSIGNED_OPERATOR = 'unassigned';
export const NO_REGION = 'none';

/** The rows the three queries below give (times as epoch ms). */
export interface NodeRow {
  id: number;
  name: string;
  operator: string;
  region: string;
  last_hb: number | null;
  created: number | null;
  clock_skew_ms: number | null;
  credential_expires: number | null;
}
export interface CheckRow {
  node_id: number;
  name: string;
  probe: string;
  /** Only the statuses asked for (`status = any(...)`): one of CheckStatus. */
  status: CheckStatus;
  message: string;
  sla_critical: boolean;
  since: number;
}
export interface DiskRow {
  node_id: number;
  used: number;
}

const epochMs = (sql: postgres.ISql, col: postgres.Fragment) => sql`(extract(epoch from ${col}) * 1000)::float8`;

/** Every node not decommissioned, with its operator's name and its newest unexpired credential's expiry. */
export function alertNodeRows(sql: postgres.ISql): Promise<NodeRow[]> {
  return sql<NodeRow[]>`
      select n.id::int4 as id, n.name, coalesce(o.name, ${UNASSIGNED_OPERATOR}) as operator, coalesce(n.region, ${NO_REGION}) as region,
             ${epochMs(sql, sql`n.last_hb_at`)} as last_hb, ${epochMs(sql, sql`n.created_at`)} as created, n.clock_skew_ms, ${epochMs(sql, sql`c.expires_at`)} as credential_expires
        from nodes n
        left join operators o on o.id = n.operator_id
        left join (select node_id, max(expires_at) as expires_at from node_credentials
                    where revoked_at is null and valid_until is null group by node_id) c on c.node_id = n.id
       where n.decommissioned_at is null`;
}

/** The checks in one of `statuses`. */
export function alertCheckRows(sql: postgres.ISql, statuses: CheckStatus[]): Promise<CheckRow[]> {
  return sql<CheckRow[]>`select node_id::int4 as node_id, name, probe, status, message, sla_critical, ${epochMs(sql, sql`since`)} as since
              from node_check_status where status = any(${statuses}::text[])`;
}

/** The disk figure (the root filesystem's used %, or the fullest disk's on a node without one) where it is at least `minPct`. */
export function alertDiskRows(sql: postgres.ISql, minPct: number): Promise<DiskRow[]> {
  return sql<DiskRow[]>`select node_id::int4 as node_id, used from (
              select node_id, coalesce(max(value) filter (where name = 'disk:/'), max(value)) as used
                from node_check_status where probe = 'disk' and value is not null group by node_id) d
             where used >= ${minPct}`;
}
