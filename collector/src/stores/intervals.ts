/**
 * State intervals (what uptime is computed from): one node's intervals clipped to a window, per-node
 * totals of many nodes in one aggregate query, and ending a node's intervals when it is retired.
 */
import type postgres from 'postgres';
import { expandWindows, type MaintenanceDef } from '../sla/maintenance.ts';
import type { Totals } from '../sla/budget.ts';
import type { Interval } from '../sla/types.ts';
import type { stateIntervals } from '../db/schema/index.ts';

/**
 * A stored interval; `state` and `cause` hold the SLA engine's names (the settle job writes nothing
 * else), `evidence` the object it recorded.
 */
type IntervalRow = Pick<typeof stateIntervals.$inferSelect, 'startAt'> & {
  endAt: Date;
  state: Interval['state'];
  cause: Interval['cause'];
  evidence: Interval['evidence'];
};

/** One node's intervals overlapping [from, to), clipped to it (the open one ends at `now`). */
export async function nodeIntervals(sql: postgres.ISql, nodeId: number, from: number, to: number, now: number): Promise<Interval[]> {
  return (await nodesIntervals(sql, [nodeId], from, to, now)).get(nodeId) ?? [];
}

/**
 * Each node's intervals overlapping [from, to), clipped to it (the open one ends at `now`), by node id, in
 * one read (the index on node and start). For a handful of nodes (an operator's), not the fleet.
 */
export async function nodesIntervals(
  sql: postgres.ISql,
  nodeIds: readonly number[],
  from: number,
  to: number,
  now: number,
  opts: { evidence?: boolean } = {},
): Promise<Map<number, Interval[]>> {
  const out = new Map<number, Interval[]>();
  if (nodeIds.length === 0) return out;
  // Without `evidence` (opts.evidence false: figures only, such as the day bars) each interval's is {}: its
  // JSON is neither sent nor parsed.
  const evidence = opts.evidence === false ? sql`'{}'::jsonb` : sql`evidence`;
  const rows = await sql<(IntervalRow & { nodeId: string })[]>`
    select node_id as "nodeId", state, start_at as "startAt", coalesce(end_at, ${new Date(now)}) as "endAt", cause, ${evidence} as evidence
    from state_intervals
    where node_id = any(${nodeIds}::int8[]) and start_at < ${new Date(to)} and coalesce(end_at, ${new Date(now)}) > ${new Date(from)}
    order by node_id, start_at`;
  for (const r of rows) {
    const iv = {
      state: r.state,
      start: Math.max(r.startAt.getTime(), from),
      end: Math.min(r.endAt.getTime(), to, now),
      cause: r.cause,
      evidence: r.evidence,
    };
    if (iv.end <= iv.start) continue;
    const id = Number(r.nodeId);
    const list = out.get(id);
    if (list) list.push(iv);
    else out.set(id, [iv]);
  }
  return out;
}

/** A retired node's intervals end at `at`: the ones after it go, the one across it is cut (its samples stay). */
export async function endIntervalsAt(sql: postgres.ISql, nodeId: number, at: number): Promise<void> {
  await sql`delete from state_intervals where node_id = ${nodeId} and start_at >= ${new Date(at)}`;
  await sql`update state_intervals set end_at = ${new Date(at)} where node_id = ${nodeId} and (end_at is null or end_at > ${new Date(at)})`;
}

export interface TotalsQuery {
  from: number;
  to: number;
  now: number;
  /** Maintenance windows to apply (see loadMaintenance); each covers nodes by its scope. */
  maintenance?: readonly MaintenanceDef[];
  /** Only these nodes (default: every node). */
  nodeIds?: readonly number[];
}

type MaintenanceParam = { scope: string; target: string | null; s: string; e: string };

/** The occurrences of `defs` in [from, to), as the JSON the maintenance CTE reads. */
const maintenanceSpans = (defs: readonly MaintenanceDef[] | undefined, from: number, to: number): MaintenanceParam[] =>
  expandWindows(defs ?? [], from, to).map((s) => ({
    scope: s.evidence.scope,
    target: s.evidence.target,
    s: new Date(s.start).toISOString(),
    e: new Date(s.end).toISOString(),
  }));

/** CTEs `m` (the occurrences) and `nm` (per node, or per node of `nodeIds`, the multirange of the occurrences covering it, by scope). */
const maintenanceByNode = (sql: postgres.ISql, spans: MaintenanceParam[], nodeIds?: readonly number[]) => sql`
  m as (
    select scope, target, tstzrange(s, e) as r from jsonb_to_recordset(${sql.json(spans)}::jsonb) as x(scope text, target text, s timestamptz, e timestamptz)
  ),
  nm as (
    select n.id as node_id, range_agg(m.r) as mr
    from nodes n join m on m.scope = 'fleet' or (m.scope = 'node' and m.target = n.id::text)
      or (m.scope = 'operator' and m.target = n.operator_id::text) or (m.scope = 'region' and m.target = n.region)
    ${nodeIds ? sql`where n.id in ${sql(nodeIds.length ? nodeIds : [-1])}` : sql``}
    group by n.id
  )`;

const EPOCH = new Date(0);

/**
 * An interval's length in whole microseconds (int8). date_part's double, times 10^6 and rounded, is the
 * exact microsecond count for any span shorter than decades (the error is far below 0.5 µs), so sums of
 * it are exact integers: divided by 1000 in JS they are the same double as the exact numeric sum in
 * milliseconds parsed, at a fraction of the cost of numeric arithmetic per interval row.
 */
const micros = (sql: postgres.ISql, span: postgres.Fragment) => sql`round(date_part('epoch', ${span}) * 1000000)::int8`;

/** Sums as the database gives them: numeric and int8 arrive as exact strings. */
type StateTimeRow = { nodeId: string; state: Interval['state']; us: string; maintUs: string };
type PlainTotalsRow = { nodeId: string; up: string; down: string; unknown: string; maintenance: string };

/**
 * Per-node totals over [from, min(to, now)) for every node (or `nodeIds`), in one aggregate query.
 * Time inside a maintenance window covering the node moves from its state to MAINTENANCE, exactly as
 * the pure applyMaintenance does for one node (a test holds the two equal).
 */
export async function totalsByNode(sql: postgres.ISql, q: TotalsQuery): Promise<Map<number, Totals>> {
  const end = new Date(Math.max(q.from, Math.min(q.to, q.now)));
  const from = new Date(q.from);
  const spans = maintenanceSpans(q.maintenance, q.from, end.getTime());
  const only = q.nodeIds ? sql`and node_id in ${sql(q.nodeIds.length ? q.nodeIds : [-1])}` : sql``;
  if (spans.length === 0) return plainTotals(sql, from, end, only);
  const rows = await sql<StateTimeRow[]>`
      with ${maintenanceByNode(sql, spans)},
      iv as (
        select node_id, state, tstzrange(greatest(start_at, ${from}), least(coalesce(end_at, ${end}), ${end})) as r
        from state_intervals
        where start_at < ${end} and (end_at is null or end_at > ${from}) ${only}
      )
      select iv.node_id as "nodeId", iv.state,
        sum(${micros(sql, sql`upper(iv.r) - lower(iv.r)`)}) as us,
        coalesce(sum((select sum(${micros(sql, sql`upper(x) - lower(x)`)}) from unnest(nm.mr * tstzmultirange(iv.r)) x)) filter (where nm.mr && iv.r), 0) as "maintUs"
      from iv left join nm on nm.node_id = iv.node_id
      where not isempty(iv.r)
      group by iv.node_id, iv.state`;
  const out = new Map<number, Totals>();
  for (const r of rows) {
    const id = Number(r.nodeId);
    const t = out.get(id) ?? { upMs: 0, downMs: 0, unknownMs: 0, maintenanceMs: 0 };
    const maint = Math.max(0, Number(r.maintUs) / 1000);
    const v = Math.max(0, (Number(r.us) - Number(r.maintUs)) / 1000);
    t.maintenanceMs += maint;
    if (r.state === 'UP') t.upMs += v;
    else if (r.state === 'DOWN') t.downMs += v;
    else if (r.state === 'UNKNOWN') t.unknownMs += v;
    else t.maintenanceMs += v;
    out.set(id, t);
  }
  return out;
}

/**
 * totalsByNode without maintenance: one row per node, each state's time summed in whole microseconds
 * (`micros`), a third of the rows to decode of one per (node, state).
 */
async function plainTotals(sql: postgres.ISql, from: Date, end: Date, only: postgres.Fragment): Promise<Map<number, Totals>> {
  const rows = await sql<PlainTotalsRow[]>`
    select node_id as "nodeId",
      coalesce(sum(us) filter (where state = 'UP'), 0) as up,
      coalesce(sum(us) filter (where state = 'DOWN'), 0) as down,
      coalesce(sum(us) filter (where state = 'UNKNOWN'), 0) as unknown,
      coalesce(sum(us) filter (where state not in ('UP', 'DOWN', 'UNKNOWN')), 0) as maintenance
    from (
      select node_id, state, ${micros(sql, sql`least(coalesce(end_at, ${end}), ${end}) - greatest(start_at, ${from})`)} as us
      from state_intervals
      where start_at < ${end} and (end_at is null or end_at > ${from}) ${only}
    ) iv
    group by node_id`;
  const ms = (us: string) => Math.max(0, Number(us) / 1000);
  return new Map(
    rows.map((r) => [Number(r.nodeId), { upMs: ms(r.up), downMs: ms(r.down), unknownMs: ms(r.unknown), maintenanceMs: ms(r.maintenance) }]),
  );
}

export interface DailyQuery {
  /** Start of each UTC day wanted (ms): consecutive UTC midnights, ascending; the last ends at `now` at the latest. */
  dayStarts: readonly number[];
  now: number;
  maintenance?: readonly MaintenanceDef[];
  /** Only these nodes (default: every node). */
  nodeIds?: readonly number[];
  /** One set of rows per region (`group` the region name, null for nodes without one); else `group` is null. */
  byRegion?: boolean;
}

/** One group's state time on one day (ms, summed over its nodes), maintenance applied. */
export interface DailyRow extends Totals {
  group: string | null;
  start: number;
}

type DailyPlainRow = { group: string | null; start: Date; up: string; down: string; unknown: string; other: string };
type DailyMaintRow = { group: string | null; start: Date; state: Interval['state']; us: string };

/**
 * State time per UTC day (and per region, or for all the nodes asked for) in two aggregate queries: the
 * intervals cut at each midnight and summed in whole microseconds (as plainTotals), then the time of
 * each state inside maintenance covering the node (the multirange of its windows, as totalsByNode), cut
 * at midnight too, moved to MAINTENANCE. Equal, node by node, to the pure path (applyMaintenance and
 * sla/days.ts splitDays; a test holds them equal).
 */
export async function dailyTotals(sql: postgres.ISql, q: DailyQuery): Promise<DailyRow[]> {
  if (q.dayStarts.length === 0) return [];
  const first = q.dayStarts[0]!;
  const endMs = Math.max(first, Math.min(q.dayStarts.at(-1)! + 86_400_000, q.now));
  const from = new Date(first);
  const end = new Date(endMs);
  const only = q.nodeIds ? sql`and si.node_id in ${sql(q.nodeIds.length ? q.nodeIds : [-1])}` : sql``;
  const group = q.byRegion ? sql`n.region` : sql`null::text`;
  const joinNodes = q.byRegion ? sql`join nodes n on n.id = p.node_id` : sql``;
  // The UTC days a stretch [lo, hi) touches, generated per stretch (joining every stretch to every day would
  // test each pair): date_bin and a stride in seconds are absolute time, whatever the session's time zone.
  const daysOf = (lo: postgres.Fragment, hi: postgres.Fragment) =>
    sql`generate_series(date_bin('86400 seconds', ${lo}, ${EPOCH}::timestamptz), ${hi} - interval '1 microsecond', interval '86400 seconds')`;
  const iv = sql`iv as (
    select si.node_id, si.state, greatest(si.start_at, ${from}) as s, least(coalesce(si.end_at, ${end}), ${end}) as e
    from state_intervals si
    where si.start_at < ${end} and (si.end_at is null or si.end_at > ${from}) ${only}
  )`;
  const plain = await sql<DailyPlainRow[]>`
    with ${iv}
    select ${group} as "group", p.ds as start,
      coalesce(sum(p.us) filter (where p.state = 'UP'), 0) as up,
      coalesce(sum(p.us) filter (where p.state = 'DOWN'), 0) as down,
      coalesce(sum(p.us) filter (where p.state = 'UNKNOWN'), 0) as unknown,
      coalesce(sum(p.us) filter (where p.state not in ('UP', 'DOWN', 'UNKNOWN')), 0) as other
    from (
      select iv.node_id, iv.state, ds, round(date_part('epoch', least(iv.e, ds + interval '86400 seconds') - greatest(iv.s, ds)) * 1000000)::int8 as us
      from iv cross join lateral ${daysOf(sql`iv.s`, sql`iv.e`)} as ds
    ) p ${joinNodes}
    group by 1, 2`;
  const ms = (us: string) => Math.max(0, Number(us) / 1000);
  const key = (g: string | null, t: number) => `${g ?? ''}\u0000${t}`;
  const out = new Map<string, DailyRow>();
  for (const r of plain)
    out.set(key(r.group, r.start.getTime()), {
      group: r.group,
      start: r.start.getTime(),
      upMs: ms(r.up),
      downMs: ms(r.down),
      unknownMs: ms(r.unknown),
      maintenanceMs: ms(r.other),
    });
  const spans = maintenanceSpans(q.maintenance, first, endMs);
  if (spans.length > 0) {
    const inside = await sql<DailyMaintRow[]>`
      with ${maintenanceByNode(sql, spans, q.nodeIds)}, ${iv},
      ov as (
        select iv.node_id, iv.state, x as r
        from iv join nm on nm.node_id = iv.node_id and nm.mr && tstzrange(iv.s, iv.e)
        cross join lateral unnest(nm.mr * tstzmultirange(tstzrange(iv.s, iv.e))) x
      )
      select ${group} as "group", p.ds as start, p.state, sum(p.us) as us
      from (
        select ov.node_id, ov.state, ds,
          round(date_part('epoch', least(upper(ov.r), ds + interval '86400 seconds') - greatest(lower(ov.r), ds)) * 1000000)::int8 as us
        from ov cross join lateral ${daysOf(sql`lower(ov.r)`, sql`upper(ov.r)`)} as ds
      ) p ${joinNodes}
      group by 1, 2, 3`;
    const field = { UP: 'upMs', DOWN: 'downMs', UNKNOWN: 'unknownMs' } as const;
    for (const r of inside) {
      const row = out.get(key(r.group, r.start.getTime()));
      if (!row || r.state === 'MAINTENANCE') continue;
      const moved = Math.min(ms(r.us), row[field[r.state]]);
      row[field[r.state]] -= moved;
      row.maintenanceMs += moved;
    }
  }
  return [...out.values()].sort((a, b) => a.start - b.start || (a.group ?? '').localeCompare(b.group ?? ''));
}
