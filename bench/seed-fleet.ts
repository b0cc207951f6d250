/**
 * The fleet the SLA and statements benches read: operators, nodes and their state intervals over
 * [from, now), generated in SQL. Per node: 4 outages (DOWN, 2 min to 1 h) at pseudo-random times, one
 * in each quarter of the first 2,500,000 s, one fleet-wide UNKNOWN (a collector restart, 3 min at day
 * 10, which no outage overlaps), UP in between; the last interval open. Intervals never overlap, as
 * stored ones never do (the pay engine refuses more state time than a node was owned). Node g belongs
 * to operator 1 + g % operators. Returns the interval rows written.
 */
import type { Database } from '../collector/src/db/database.ts';

const DAY = 86_400_000;

export async function seedFleet(
  sql: Database['sql'],
  o: { nodes: number; operators: number; from: number; now: number; operatorsSince?: number },
): Promise<number> {
  const since = new Date(o.operatorsSince ?? o.from);
  await sql`insert into operators (name, started_at) select 'op-' || g, ${since} from generate_series(1, ${o.operators}) g`;
  await sql`
    insert into nodes (name, operator_id, region, created_at, current_state, state_since, last_hb_at, last_ok, clock_skew_ms)
    select 'node-' || lpad(g::text, 6, '0'), 1 + g % ${o.operators}, 'r' || (g % 5), ${new Date(o.from)}, 'UP', ${new Date(o.now - DAY)}, ${new Date(o.now - 2000)}, true, 12
    from generate_series(1, ${o.nodes}) g`;
  await sql`
    with cuts as (
      -- Quarter k of 625,000 s: an outage starting in its first 620,000 s, moved past the UNKNOWN at day 10.
      select n.id as node_id, k, ${new Date(o.from)}::timestamptz + (((k - 1) * 625000 + abs(hashint8(n.id * 10 + k)) % 620000
        + case when k = 2 and abs(hashint8(n.id * 10 + k)) % 620000 between 239000 - 3600 and 239000 + 180 then 4000 else 0 end) * interval '1 second') as down_at,
        (120 + abs(hashint8(n.id * 31 + k)) % 3480) * interval '1 second' as len
      from nodes n cross join generate_series(1, 4) k
      union all
      select n.id, 0, ${new Date(o.from + 10 * DAY)}::timestamptz, interval '3 minutes' from nodes n
    ), ordered as (
      select node_id, k, down_at, down_at + len as up_at, row_number() over (partition by node_id order by down_at) as i from cuts
    ), pieces as (
      select node_id, case when k = 0 then 'UNKNOWN' else 'DOWN' end as state, down_at as s, up_at as e from ordered
      union all
      select node_id, 'UP', coalesce(lag(up_at) over (partition by node_id order by down_at), ${new Date(o.from)}), down_at from ordered
      union all
      select node_id, 'UP', max(up_at), null from ordered group by node_id
    )
    insert into state_intervals (node_id, state, start_at, end_at, cause, evidence)
    select node_id, state, s, e, case state when 'DOWN' then 'missed_heartbeats' when 'UNKNOWN' then 'not_observing' else 'heartbeats' end,
      case state when 'DOWN' then jsonb_build_object('lastHeartbeatAt', (extract(epoch from s) * 1000)::int8) else '{}'::jsonb end
    from pieces where e is null or e > s`;
  const [iv] = await sql<{ n: number }[]>`select count(*)::int as n from state_intervals`;
  return iv!.n;
}
