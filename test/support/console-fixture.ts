/**
 * The console's fixture fleet: what the browser tests and `pnpm bench:ui` read. Bulk SQL for the big
 * tables (operators, nodes, 95 days of state intervals, rollups), the services where they decide
 * something (person tokens, a node credential, the month close and its statements).
 *
 * - Regions `eu-west`, `us-east`, `ap-south`, `sa-east`; operators `alice` (operator A, senior),
 *   `bob` (operator B, certified), `carol` (fleet lead), `dave`, … then `op-005`…, each in region
 *   i % 4; nodes `<operator>-001`… dealt round-robin (node g belongs to operator (g − 1) % operators).
 * - Partner `acme` (code `ACME`) referred `carol` and `dave` (or `bob` with fewer than 4 operators).
 * - Intervals over [now − 95 d, now): three outages per node (2 min to 1 h), bob's nodes one more of
 *   3 h two days ago, one fleet-wide UNKNOWN of 25 min four days ago, which is also the one hole in
 *   `collector_spans` (the monitoring not observing); every 50th node and the second of A and of B are DOWN now (since 20 min),
 *   the others UP. A weekly fleet maintenance window (Sunday 02:00-04:00 UTC) since the start, one
 *   region window for `us-east` tomorrow, one for alice's first node now.
 * - The previous month (the one before it if `now` is within the settling delay) closed through the pay
 *   service: one statement per operator (and the partner's commission), task imports for every operator.
 * - Open incidents: a P2 per DOWN node of alice and bob (bob's acknowledged), a P3 disk warning on
 *   alice's first node; notifications in the outbox (sent, pending, dead).
 * - Node page data for alice's first node: check rows, 24 h of per-minute rollups, a credential (its
 *   token returned, so a fake agent can report as that node).
 *
 * The seeded nodes have no agents: a collector started on this database later sees them go silent
 * (its observation gap is recomputed and, after the restart zone, they settle DOWN; alerts fire after
 * 5 minutes). Pass `observedUntil` later than the collector's start (e.g. now + 1 h) to keep their
 * settled state as seeded; heartbeat-based alerting still sees them silent.
 */
import type postgres from 'postgres';
import { loadConfig } from '../../collector/src/config.ts';
import { CredentialStore, credentialPolicy } from '../../collector/src/auth/credentials.ts';
import { PayService } from '../../collector/src/pay-service/service.ts';
import { createProgramServices } from '../../collector/src/services/program.ts';
import { monthOf } from '../../collector/src/sla/budget.ts';

export const FIXTURE_REGIONS = ['eu-west', 'us-east', 'ap-south', 'sa-east'] as const;
const FIRST_NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
const TIERS = ['senior', 'certified', 'fleet_lead', 'certified'];

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export interface ConsoleFixtureOptions {
  /** Nodes (default 24). */
  nodes?: number;
  /** Operators (default 4, at least 2). */
  operators?: number;
  /** The fixture's present (default Date.now()). */
  now?: number;
  /** Where the last observation span ends (default `now`); see the file's comment. */
  observedUntil?: number;
}

export interface ConsoleFixture {
  now: number;
  from: number;
  regions: readonly string[];
  /** Operator names by index; `a` and `b` are operators A and B. */
  operators: string[];
  a: string;
  b: string;
  partner: string;
  /** The partner's referred operators. */
  referred: string[];
  /** The closed month (YYYY-MM) and how many statements it has. */
  closedMonth: string;
  statements: number;
  /** Person tokens (Authorization: Bearer …), one per role the console has. */
  tokens: { admin: string; lead: string; finance: string; operatorA: string; operatorB: string; partner: string };
  /** Node names: a few of A's and B's, the ones DOWN now. */
  nodes: { a: string[]; b: string[]; down: string[] };
  /** A node of A with a fresh credential (a fake agent can report as it). */
  agent: { node: string; token: string };
  incidents: { a: string; b: string; disk: string };
  /** The monitoring hole (also a fleet-wide UNKNOWN interval). */
  gap: { start: number; end: number };
}

const iso = (t: number) => new Date(t).toISOString();

export async function seedConsoleFixture(sql: postgres.Sql, opts: ConsoleFixtureOptions = {}): Promise<ConsoleFixture> {
  const now = Math.floor((opts.now ?? Date.now()) / 1000) * 1000;
  const nodeCount = opts.nodes ?? 24;
  const opCount = Math.max(2, opts.operators ?? 4);
  const from = Math.floor((now - 95 * DAY) / DAY) * DAY;
  const names = Array.from({ length: opCount }, (_, i) => FIRST_NAMES[i] ?? `op-${String(i + 1).padStart(3, '0')}`);
  const regions = FIXTURE_REGIONS;
  const gap = { start: Math.floor((now - 4 * DAY) / MIN) * MIN, end: 0 };
  gap.end = gap.start + 25 * MIN;
  const bobOutage = Math.floor((now - 2 * DAY) / MIN) * MIN;

  // Operators: started long ago, in the lifecycle state of their tier.
  const ops = names.map((name, i) => ({
    name,
    tier: TIERS[i % TIERS.length]!,
    region: regions[i % regions.length]!,
  }));
  await sql`
    insert into operators (name, tier, region, started_at, created_at, lifecycle_state, lifecycle_since)
    select x.name, x.tier, x.region, ${new Date(now - 400 * DAY)}, ${new Date(now - 400 * DAY)}, x.tier, ${new Date(now - 400 * DAY)}
    from jsonb_to_recordset(${sql.json(ops)}::jsonb) as x(name text, tier text, region text)`;
  const opRows = await sql<{ id: string; name: string }[]>`select id, name from operators where name = any(${names}::text[])`;
  const opId = new Map(opRows.map((r) => [r.name, Number(r.id)]));
  const idsInOrder = names.map((n) => opId.get(n)!);

  // Nodes: node g (1-based) belongs to operator (g - 1) % opCount, in its region. DOWN now: every 50th, and
  // the second node of A and of B.
  const downNow = sql`(g % 50 = 0 or g = ${opCount + 1} or g = ${opCount + 2})`;
  await sql`
    insert into nodes (name, operator_id, region, created_at, current_state, state_since, last_hb_at, last_ok, clock_skew_ms, agent_version)
    select o.name || '-' || lpad((1 + (g - 1) / ${opCount})::text, 3, '0'), o.id, o.region, ${new Date(from)},
      case when ${downNow} then 'DOWN' else 'UP' end, null,
      case when ${downNow} then ${new Date(now - 20 * MIN)}::timestamptz else ${new Date(now - 2000)}::timestamptz end,
      true, (g % 7) * 3 - 9, '1.4.2'
    from generate_series(1, ${nodeCount}) g
    join (select id, name, region, ord from unnest(${idsInOrder}::int8[]) with ordinality as u(oid, ord) join operators on id = u.oid) o
      on o.ord = 1 + (g - 1) % ${opCount}`;

  // Intervals: 3 outages per node in slots of 30 days, bob's 3 h outage, the fleet-wide UNKNOWN hole, the open interval.
  const bobId = idsInOrder[1]!;
  await sql`
    with n as (select id, operator_id, (current_state = 'DOWN') as down_now from nodes where operator_id = any(${idsInOrder}::int8[])),
    cuts as (
      select n.id as node_id, 'DOWN' as state,
        ${new Date(from)}::timestamptz + (((k - 1) * 2592000 + abs(hashint8(n.id * 10 + k)) % 2505600) * interval '1 second') as s,
        (120 + abs(hashint8(n.id * 31 + k)) % 3480) * interval '1 second' as len
      from n cross join generate_series(1, 3) k
      union all
      select n.id, 'UNKNOWN', ${new Date(gap.start)}::timestamptz, ${`${(gap.end - gap.start) / 1000} seconds`}::interval from n
      union all
      select n.id, 'DOWN', ${new Date(bobOutage)}::timestamptz, interval '3 hours' from n where n.operator_id = ${bobId}
    ), ordered as (
      select node_id, state, s, s + len as e from cuts
    ), pieces as (
      select node_id, state, s, e from ordered
      union all
      select node_id, 'UP', coalesce(lag(e) over (partition by node_id order by s), ${new Date(from)}), s from ordered
      union all
      select o.node_id, 'UP', max(o.e), case when bool_or(n.down_now) then ${new Date(now - 20 * MIN)}::timestamptz end
      from ordered o join n on n.id = o.node_id group by o.node_id
      union all
      select id, 'DOWN', ${new Date(now - 20 * MIN)}::timestamptz, null from n where down_now
    )
    insert into state_intervals (node_id, state, start_at, end_at, cause, evidence)
    select node_id, state, s, e,
      case state when 'DOWN' then 'missed_heartbeats' when 'UNKNOWN' then 'not_observing' else 'heartbeat' end,
      case state when 'DOWN' then jsonb_build_object('lastHeartbeatAt', (extract(epoch from s) * 1000)::int8) else '{}'::jsonb end
    from pieces where e is null or e > s`;
  await sql`update nodes n set state_since = si.start_at from state_intervals si
    where si.node_id = n.id and si.end_at is null and n.operator_id = any(${idsInOrder}::int8[])`;

  // The monitoring's own record: observing from the start to now, but for the hole.
  const observedUntil = opts.observedUntil ?? now;
  await sql`insert into collector_spans (instance_id, started_at, last_beat_at) values
    ('fixture-1', ${new Date(from)}, ${new Date(gap.start)}), ('fixture-2', ${new Date(gap.end)}, ${new Date(observedUntil)})`;

  // Maintenance: weekly fleet window (Sunday 02:00-04:00 UTC) since the start, us-east tomorrow, alice's first node now.
  const firstSunday = from + ((7 - new Date(from).getUTCDay()) % 7) * DAY + 2 * HOUR;
  const aNodes = await sql<{ id: string; name: string }[]>`
    select id, name from nodes where operator_id = ${idsInOrder[0]!} order by name limit 5`;
  const bNodes = await sql<{ id: string; name: string }[]>`select id, name from nodes where operator_id = ${bobId} order by name limit 5`;
  const tomorrow = Math.floor(now / DAY) * DAY + DAY + 3 * HOUR;
  await sql`insert into maintenance_windows (scope, target, starts_at, ends_at, recurrence, declared_by, reason, created_at) values
    ('fleet', null, ${new Date(firstSunday)}, ${new Date(firstSunday + 2 * HOUR)}, 'weekly', 'lead', 'weekly patch window', ${new Date(from - DAY)}),
    ('region', 'us-east', ${new Date(tomorrow)}, ${new Date(tomorrow + 2 * HOUR)}, null, 'lead', 'provider network maintenance', ${new Date(now - DAY)}),
    ('node', ${aNodes[aNodes.length - 1]!.id}, ${new Date(now - 30 * MIN)}, ${new Date(now + 90 * MIN)}, null, 'alice', 'disk replacement', ${new Date(now - DAY)})`;

  // The partner and its referrals.
  const referred = opCount >= 4 ? [names[2]!, names[3]!] : [names[1]!];
  const [partner] = await sql<{ id: string }[]>`
    insert into partners (name, referral_code, created_at, created_by) values ('acme', 'ACME', ${new Date(now - 300 * DAY)}, 'fixture') returning id`;
  await sql`
    insert into referrals (partner_id, operator_id, referred_at, recorded_by)
    select ${partner!.id}, id, ${new Date(now - 200 * DAY)}, 'fixture' from operators where name = any(${referred}::text[])`;

  // Node page data for alice's first node: checks, 24 h of rollups, a credential.
  const agentNode = aNodes[0]!;
  await sql`insert into node_check_status (node_id, name, probe, status, message, sla_critical, value, since, updated_at) values
    (${agentNode.id}, 'gateway', 'systemd', 'ok', 'active', true, null, ${new Date(now - 3 * DAY)}, ${new Date(now - 2000)}),
    (${agentNode.id}, 'root-disk', 'disk', 'warn', '87 % used', false, 87, ${new Date(now - 2 * HOUR)}, ${new Date(now - 2000)}),
    (${agentNode.id}, 'tmux-sessions', 'tmux', 'ok', 'BURN, BURN2, FORGE present', false, 3, ${new Date(now - 3 * DAY)}, ${new Date(now - 2000)})`;
  const lastHour = Math.floor(now / HOUR) * HOUR;
  await sql`
    insert into metric_rollups (node_id, hour, samples, disk_pct_max, load1_avg, load1_max, mem_pct_avg, mem_pct_max, agent_rss_kib_max, agent_cpu_pct)
    select ${agentNode.id}, ${new Date(lastHour)}::timestamptz - h * interval '1 hour',
      array_fill(12::int2, array[60]),
      (select array_agg((8000 + h * 2 + m)::int2 order by m) from generate_series(0, 59) m),
      (select array_agg((40 + (h * 60 + m) % 90)::int2 order by m) from generate_series(0, 59) m),
      (select array_agg((80 + (h * 60 + m) % 120)::int2 order by m) from generate_series(0, 59) m),
      (select array_agg((5200 + (h * 7 + m) % 400)::int2 order by m) from generate_series(0, 59) m),
      (select array_agg((5600 + (h * 7 + m) % 400)::int2 order by m) from generate_series(0, 59) m),
      (select array_agg((41000 + m * 10)::int4 order by m) from generate_series(0, 59) m),
      (select array_agg((30 + m % 20)::int2 order by m) from generate_series(0, 59) m)
    from generate_series(1, 24) h`;
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const credentials = new CredentialStore(sql, sql, credentialPolicy(config.credentials));
  const cred = await credentials.issue(Number(agentNode.id), now - 10 * DAY);

  // Incidents: P2 for a DOWN node of alice and of bob (bob's acknowledged), a P3 disk warning.
  const downRows = await sql<{ name: string; operator: string; region: string }[]>`
    select n.name, o.name as operator, n.region from nodes n join operators o on o.id = n.operator_id where n.current_state = 'DOWN' order by n.name`;
  const aDown = downRows.find((r) => r.operator === names[0]) ?? { name: aNodes[0]!.name, operator: names[0]!, region: ops[0]!.region };
  const bDown = downRows.find((r) => r.operator === names[1]) ?? { name: bNodes[0]!.name, operator: names[1]!, region: ops[1]!.region };
  const incidents = { a: 'inc-fixture-a', b: 'inc-fixture-b', disk: 'inc-fixture-disk' };
  const opened = now - 20 * MIN;
  const rows = [
    { id: incidents.a, sev: 'P2', status: 'open', node: aDown, summary: `${aDown.name} offline`, ack: null as number | null },
    { id: incidents.b, sev: 'P2', status: 'acknowledged', node: bDown, summary: `${bDown.name} offline`, ack: now - 10 * MIN },
    {
      id: incidents.disk,
      sev: 'P3',
      status: 'open',
      node: { name: agentNode.name, operator: names[0]!, region: ops[0]!.region },
      summary: `${agentNode.name} root disk 87 % used`,
      ack: null,
    },
  ];
  for (const r of rows) {
    await sql`insert into incidents (id, key, severity, status, summary, scope_type, operator_ids, regions, alert_keys, opened_at, acknowledged_at, acknowledged_by)
      values (${r.id}, ${`fixture:${r.id}`}, ${r.sev}, ${r.status}, ${r.summary}, 'node', ${sql.json([r.node.operator])}, ${sql.json([r.node.region])},
        ${sql.json([`fixture:${r.id}`])}, ${new Date(opened)}, ${r.ack === null ? null : new Date(r.ack)}, ${r.ack === null ? null : 'lead'})`;
    await sql`insert into incident_nodes (node_name, incident_id, operator_id, region, added_at)
      values (${r.node.name}, ${r.id}, ${r.node.operator}, ${r.node.region}, ${new Date(opened)})`;
    await sql`insert into incident_events (incident_id, type, at, actor, data) values (${r.id}, 'opened', ${new Date(opened)}, null, '{}'::jsonb)`;
    if (r.ack !== null)
      await sql`insert into incident_events (incident_id, type, at, actor, data) values (${r.id}, 'acknowledged', ${new Date(r.ack)}, 'lead', '{}'::jsonb)`;
  }
  const note = (id: string, channel: string, status: string, attempts: number, sentAt: number | null) => ({
    idempotency_key: `${id}:opened:${channel}`,
    incident_id: id,
    channel,
    transition: 'opened',
    payload: { incidentId: id, transition: 'opened' },
    status,
    attempts,
    created_at: iso(opened),
    next_attempt_at: iso(status === 'pending' ? now : opened),
    sent_at: sentAt === null ? null : iso(sentAt),
    last_error: status === 'dead' ? 'HTTP 500' : null,
  });
  const notes = [
    note(incidents.a, 'webhook', 'sent', 1, opened + 2000),
    note(incidents.b, 'webhook', 'sent', 1, opened + 2000),
    note(incidents.disk, 'webhook', 'pending', 0, null),
    note(incidents.a, 'slack', 'dead', 8, null),
  ];
  await sql`
    insert into alert_notifications (idempotency_key, incident_id, channel, transition, payload, status, attempts, created_at, next_attempt_at, sent_at, last_error)
    select idempotency_key, incident_id, channel, transition, payload, status, attempts, created_at, next_attempt_at, sent_at, last_error
    from jsonb_to_recordset(${sql.json(notes)}::jsonb) as x(idempotency_key text, incident_id text, channel text, transition text, payload jsonb,
      status text, attempts int, created_at timestamptz, next_attempt_at timestamptz, sent_at timestamptz, last_error text)`;

  // The closed month: task imports, then the pay service's close (statements for every operator).
  const settleDelayMs = config.pay.settleDelayS * 1000;
  const thisMonth = monthOf(now);
  const prevStart = monthOf(thisMonth.start - 1).start;
  const closeStart = now >= thisMonth.start + settleDelayMs ? prevStart : monthOf(prevStart - 1).start;
  const closedMonth = monthOf(closeStart).name;
  await sql`
    insert into task_imports (source_id, operator_id, month, assigned, completed, imported_by, imported_at)
    select 'fixture-' || ${closedMonth} || '-' || id, id, ${closedMonth}, 40, 37 + id % 4, 'fixture', ${new Date(now - DAY)}
    from operators where id = any(${idsInOrder}::int8[])`;
  const pay = new PayService(sql, config.pay, () => now);
  const closed = await pay.close(closedMonth, 'fixture');

  // People and their tokens.
  const program = createProgramServices(sql);
  const person = async (name: string, role: 'admin' | 'fleet_lead' | 'finance' | 'operator' | 'partner', link: object = {}) => {
    await program.people.add({ name, role, ...link }, 'fixture', now - DAY);
    return (await program.people.issueToken(name, { label: 'fixture' }, 'fixture', now - DAY)).token;
  };
  const tokens = {
    admin: await person('ada-admin', 'admin'),
    lead: await person('lee-lead', 'fleet_lead'),
    finance: await person('fin-finance', 'finance'),
    operatorA: await person(`${names[0]}-person`, 'operator', { operator: names[0] }),
    operatorB: await person(`${names[1]}-person`, 'operator', { operator: names[1] }),
    partner: await person('acme-person', 'partner', { partner: 'acme' }),
  };
  await sql`analyze`;

  return {
    now,
    from,
    regions,
    operators: names,
    a: names[0]!,
    b: names[1]!,
    partner: 'acme',
    referred,
    closedMonth,
    statements: closed.statements,
    tokens,
    nodes: { a: aNodes.map((r) => r.name), b: bNodes.map((r) => r.name), down: downRows.map((r) => r.name) },
    agent: { node: agentNode.name, token: cred.token },
    incidents,
    gap,
  };
}
