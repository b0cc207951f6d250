/**
 * What the console's node page reads beyond the node row: its check rows (node_check_status), the
 * credential in force (node_credentials: times only, never the hash) and per-minute series from the
 * rollups (metric_rollup_minutes), with the minutes of hours not rolled up yet (the hour in progress)
 * taken from raw samples by the rollup job's own definitions.
 */
import type postgres from 'postgres';
import type { nodeCheckStatus, nodeCredentials } from '../db/schema/index.ts';

type CheckRow = Pick<
  typeof nodeCheckStatus.$inferSelect,
  'name' | 'probe' | 'status' | 'message' | 'slaCritical' | 'value' | 'since' | 'updatedAt'
>;
export type NodeCheckRecord = Omit<CheckRow, 'since' | 'updatedAt'> & { since: number; updatedAt: number };

/** The node's latest result per check, by name. */
export async function nodeChecks(sql: postgres.ISql, nodeId: number): Promise<NodeCheckRecord[]> {
  const rows = await sql<CheckRow[]>`
    select name, probe, status, message, sla_critical as "slaCritical", value, since, updated_at as "updatedAt"
    from node_check_status where node_id = ${nodeId} order by name`;
  return rows.map((r) => ({ ...r, since: r.since.getTime(), updatedAt: r.updatedAt.getTime() }));
}

type CredentialRow = Pick<typeof nodeCredentials.$inferSelect, 'expiresAt' | 'validUntil' | 'lastUsedAt'>;
export interface CredentialTimes {
  expiresAt: number;
  /** A rotated credential keeps working until then. */
  validUntil: number | null;
  lastUsedAt: number | null;
}

/** The newest credential not revoked (nor past its rotation overlap) at `now`, times only; null when none. */
export async function credentialInForce(sql: postgres.ISql, nodeId: number, now: number): Promise<CredentialTimes | null> {
  const [row] = await sql<CredentialRow[]>`
    select expires_at as "expiresAt", valid_until as "validUntil", last_used_at as "lastUsedAt"
    from node_credentials
    where node_id = ${nodeId} and revoked_at is null and (valid_until is null or valid_until > ${new Date(now)})
    order by id desc limit 1`;
  if (!row) return null;
  return {
    expiresAt: row.expiresAt.getTime(),
    validUntil: row.validUntil?.getTime() ?? null,
    lastUsedAt: row.lastUsedAt?.getTime() ?? null,
  };
}

export interface MinutePoint {
  t: number;
  diskPctMax: number | null;
  load1Avg: number | null;
  memPctAvg: number | null;
  agentRssKib: number | null;
  agentCpuPct: number | null;
}

type MinuteRow = { t: Date; disk: number | null; load: number | null; mem: number | null; rss: number | null; cpu: number | null };

/** One node's per-minute points in [from, to), oldest first (minutes without a sample are absent). */
export async function minuteSeries(sql: postgres.ISql, nodeId: number, from: number, to: number): Promise<MinutePoint[]> {
  const f = new Date(from);
  const t = new Date(to);
  const epoch = new Date(0);
  const rows = await sql<MinuteRow[]>`
    select minute as t, disk_pct_max as disk, load1_avg as load, mem_pct_avg as mem, agent_rss_kib_max as rss, agent_cpu_pct as cpu
    from metric_rollup_minutes
    where node_id = ${nodeId} and hour >= date_bin('1 hour', ${f}::timestamptz, ${epoch}::timestamptz) and hour < ${t} and minute >= ${f} and minute < ${t}
    union all
    select date_bin('1 minute', s.at, ${epoch}::timestamptz) as t,
      max(s.disk_pct)::real, avg(s.load1)::real, avg(s.mem_pct)::real, max(s.agent_rss_kib),
      case when max(s.at) > min(s.at) and max(s.agent_cpu_s) >= min(s.agent_cpu_s)
        then ((max(s.agent_cpu_s) - min(s.agent_cpu_s)) / extract(epoch from (max(s.at) - min(s.at))) * 100)::real end
    from samples s
    where s.node_id = ${nodeId} and s.at >= ${f} and s.at < ${t}
      and not exists (select 1 from metric_rollups r where r.node_id = s.node_id and r.hour = date_bin('1 hour', s.at, ${epoch}::timestamptz))
    group by 1
    order by 1`;
  const num = (v: number | null) => (v === null || Number.isNaN(v) ? null : Math.round(v * 100) / 100);
  return rows.map((r) => ({
    t: r.t.getTime(),
    diskPctMax: num(r.disk),
    load1Avg: num(r.load),
    memPctAvg: num(r.mem),
    agentRssKib: num(r.rss),
    agentCpuPct: num(r.cpu),
  }));
}
