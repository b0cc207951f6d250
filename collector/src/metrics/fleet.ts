/** Per-node and fleet gauges, read from the database at scrape time. */
import { Gauge } from 'prom-client';
import type postgres from 'postgres';
import type { Clock } from '../clock.ts';
import { fleetTotals, loadMaintenance, ratioOf } from '../services/uptime.ts';
import { DEFAULT_THRESHOLDS, thresholdFor, type Thresholds } from '../sla/budget.ts';
import { rolling30d } from '../sla/summary.ts';
import type { Metrics } from './registry.ts';

const CHECK_VALUE: Record<string, number> = { ok: 0, warn: 1, critical: 2, unknown: 3 };

export function registerFleetGauges(metrics: Metrics, sql: postgres.Sql, clock: Clock, thresholds: Thresholds = DEFAULT_THRESHOLDS): void {
  const registers = [metrics.registry];
  // prom-client reads all metrics in parallel: every gauge awaits the same single refresh.
  let inflight: Promise<void> | null = null;
  const collect = () => {
    inflight ??= refresh().finally(() => {
      inflight = null;
    });
    return inflight;
  };
  const nodeUp = new Gauge({ name: 'timmy_node_up', help: '1 when the node is UP, 0 when DOWN, UNKNOWN or in MAINTENANCE.', labelNames: ['node', 'operator', 'region', 'state'] as const, registers, collect });
  const lastReport = new Gauge({ name: 'timmy_node_last_report_age_seconds', help: 'Seconds since the node\'s newest live heartbeat arrived.', labelNames: ['node'] as const, registers, collect });
  const skew = new Gauge({ name: 'timmy_node_clock_skew_seconds', help: 'Agent clock minus collector clock at the last report.', labelNames: ['node'] as const, registers, collect });
  const uptime = new Gauge({ name: 'timmy_node_uptime_ratio', help: 'UP / (UP + DOWN), time-weighted, over the window.', labelNames: ['node', 'window'] as const, registers, collect });
  const checks = new Gauge({ name: 'timmy_node_check_status', help: 'Latest check status: 0 ok, 1 warn, 2 critical, 3 unknown.', labelNames: ['node', 'check', 'probe'] as const, registers, collect });
  const operatorUptime = new Gauge({ name: 'timmy_operator_uptime_ratio', help: 'UP / (UP + DOWN) over all the operator\'s nodes.', labelNames: ['operator', 'window'] as const, registers, collect });
  const fleetUptime = new Gauge({ name: 'timmy_fleet_uptime_ratio', help: 'UP / (UP + DOWN) over the whole fleet.', labelNames: ['window'] as const, registers, collect });
  const regionUptime = new Gauge({ name: 'timmy_region_uptime_ratio', help: 'UP / (UP + DOWN) over every node of the region.', labelNames: ['region', 'window'] as const, registers, collect });
  const operatorTarget = new Gauge({ name: 'timmy_operator_sla_target_ratio', help: 'The SLA ratio the operator is held to (its tier).', labelNames: ['operator', 'tier'] as const, registers, collect });
  const fleetTarget = new Gauge({ name: 'timmy_fleet_sla_target_ratio', help: 'The fleet uptime target (regions and the fleet are held to it).', registers, collect });
  const nodesByState = new Gauge({ name: 'timmy_fleet_nodes', help: 'Nodes by current state.', labelNames: ['state'] as const, registers, collect });

  const refresh = async () => {
    const now = clock();
    const nodeRows = await sql`
      select n.id::int8 as id, n.name, coalesce(o.name, '') as operator, coalesce(n.region, '') as region, n.current_state, n.last_hb_at, n.clock_skew_ms
      from nodes n left join operators o on o.id = n.operator_id where n.decommissioned_at is null`;
    const window = rolling30d(now);
    // Maintenance applied, like every uptime figure.
    const totals = await fleetTotals(sql, window.start, window.end, now, await loadMaintenance(sql, window.start, window.end));
    const operatorRows = await sql`select name, tier from operators where status = 'active'`;
    const checkRows = await sql`select c.node_id::int8 as node_id, c.name, c.probe, c.status from node_check_status c`;
    for (const g of [nodeUp, lastReport, skew, uptime, checks, operatorUptime, fleetUptime, regionUptime, operatorTarget, nodesByState]) g.reset();
    const byRegion = new Map<string, { up: number; down: number }>();
    const names = new Map<number, string>();
    const byOperator = new Map<string, { up: number; down: number }>();
    const fleet = { up: 0, down: 0 };
    const states: Record<string, number> = { UP: 0, DOWN: 0, UNKNOWN: 0, MAINTENANCE: 0 };
    for (const r of nodeRows) {
      const id = Number(r.id);
      names.set(id, r.name as string);
      const state = (r.current_state as string | null) ?? 'UNKNOWN';
      states[state] = (states[state] ?? 0) + 1;
      nodeUp.set({ node: r.name as string, operator: r.operator as string, region: r.region as string, state }, state === 'UP' ? 1 : 0);
      if (r.last_hb_at) lastReport.set({ node: r.name as string }, Math.max(0, (now - (r.last_hb_at as Date).getTime()) / 1000));
      if (r.clock_skew_ms !== null) skew.set({ node: r.name as string }, Number(r.clock_skew_ms) / 1000);
      const t = totals.get(id);
      if (t) {
        const ratio = ratioOf(t);
        if (ratio !== null) uptime.set({ node: r.name as string, window: '30d' }, ratio);
        const o = byOperator.get(r.operator as string) ?? { up: 0, down: 0 };
        o.up += t.upMs;
        o.down += t.downMs;
        byOperator.set(r.operator as string, o);
        const g = byRegion.get(r.region as string) ?? { up: 0, down: 0 };
        g.up += t.upMs;
        g.down += t.downMs;
        byRegion.set(r.region as string, g);
        fleet.up += t.upMs;
        fleet.down += t.downMs;
      }
    }
    for (const [s, n] of Object.entries(states)) nodesByState.set({ state: s }, n);
    for (const [op, t] of byOperator) if (op && t.up + t.down > 0) operatorUptime.set({ operator: op, window: '30d' }, t.up / (t.up + t.down));
    for (const [region, t] of byRegion) if (region && t.up + t.down > 0) regionUptime.set({ region, window: '30d' }, t.up / (t.up + t.down));
    for (const o of operatorRows) operatorTarget.set({ operator: o.name as string, tier: o.tier as string }, thresholdFor('operator', o.tier as string, thresholds) / 100);
    fleetTarget.set(thresholds.fleetTargetPct / 100);
    if (fleet.up + fleet.down > 0) fleetUptime.set({ window: '30d' }, fleet.up / (fleet.up + fleet.down));
    for (const c of checkRows) {
      const node = names.get(Number(c.node_id));
      if (node) checks.set({ node, check: c.name as string, probe: c.probe as string }, CHECK_VALUE[c.status as string] ?? 3);
    }
  };
}
