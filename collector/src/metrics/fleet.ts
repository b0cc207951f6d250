/**
 * Per-node and fleet gauges, read from the database at scrape time and written straight to the text
 * format (exposition.ts): at 10,000 nodes that is some 50,000 series, too many for prom-client's
 * per-label-set bookkeeping to rebuild on every scrape.
 */
import type postgres from 'postgres';
import type { Clock } from '../clock.ts';
import { fleetTotals, loadMaintenance, ratioOf } from '../services/uptime.ts';
import { DEFAULT_THRESHOLDS, thresholdFor, type Thresholds } from '../sla/budget.ts';
import { rolling30d } from '../sla/summary.ts';
import { activeOperatorTiers, checkGaugeRows, nodeGaugeRows } from '../stores/gauges.ts';
import { maintenanceAt, stateNow } from '../sla/maintenance.ts';
import { Exposition, gaugeFamily } from './exposition.ts';
import type { Metrics } from './registry.ts';

const CHECK_VALUE: Record<string, number> = { ok: 0, warn: 1, critical: 2, unknown: 3 };

const nodeUp = gaugeFamily('timmy_node_up', '1 when the node is UP, 0 when DOWN, UNKNOWN or in MAINTENANCE.', [
  'node',
  'operator',
  'region',
  'state',
]);
const lastReport = gaugeFamily('timmy_node_last_report_age_seconds', "Seconds since the node's newest live heartbeat arrived.", ['node']);
const skew = gaugeFamily('timmy_node_clock_skew_seconds', 'Agent clock minus collector clock at the last report.', ['node']);
const uptime = gaugeFamily('timmy_node_uptime_ratio', 'UP / (UP + DOWN), time-weighted, over the window.', ['node', 'window']);
const checks = gaugeFamily('timmy_node_check_status', 'Latest check status: 0 ok, 1 warn, 2 critical, 3 unknown.', [
  'node',
  'check',
  'probe',
]);
const operatorUptime = gaugeFamily('timmy_operator_uptime_ratio', "UP / (UP + DOWN) over all the operator's nodes.", [
  'operator',
  'window',
]);
const fleetUptime = gaugeFamily('timmy_fleet_uptime_ratio', 'UP / (UP + DOWN) over the whole fleet.', ['window']);
const regionUptime = gaugeFamily('timmy_region_uptime_ratio', 'UP / (UP + DOWN) over every node of the region.', ['region', 'window']);
const operatorTarget = gaugeFamily('timmy_operator_sla_target_ratio', 'The SLA ratio the operator is held to (its tier).', [
  'operator',
  'tier',
]);
const fleetTarget = gaugeFamily('timmy_fleet_sla_target_ratio', 'The fleet uptime target (regions and the fleet are held to it).');
const nodesByState = gaugeFamily('timmy_fleet_nodes', 'Nodes by current state.', ['state']);
const FAMILIES = [
  nodeUp,
  lastReport,
  skew,
  uptime,
  checks,
  operatorUptime,
  fleetUptime,
  regionUptime,
  operatorTarget,
  fleetTarget,
  nodesByState,
];

export function registerFleetGauges(metrics: Metrics, sql: postgres.Sql, clock: Clock, thresholds: Thresholds = DEFAULT_THRESHOLDS): void {
  // Scrapes that overlap share one read of the database.
  let inflight: Promise<string> | null = null;
  metrics.addSource(() => {
    inflight ??= render(sql, clock(), thresholds).finally(() => {
      inflight = null;
    });
    return inflight;
  });
}

async function render(sql: postgres.Sql, now: number, thresholds: Thresholds): Promise<string> {
  const window = rolling30d(now);
  // Independent reads, in parallel (the 30-day totals dominate); maintenance applied, like every uptime figure.
  const [nodeRows, loaded, operatorRows, checkRows] = await Promise.all([
    nodeGaugeRows(sql),
    // The windows overlapping the 30 days, and any in force right now (the current state).
    loadMaintenance(sql, window.start, window.end + 1).then(async (m) => ({
      defs: m,
      totals: await fleetTotals(sql, window.start, window.end, now, m),
    })),
    activeOperatorTiers(sql),
    checkGaugeRows(sql),
  ]);
  const { defs, totals } = loaded;
  const out = new Exposition(FAMILIES);
  const byRegion = new Map<string, { up: number; down: number }>();
  const names = new Map<number, string>();
  const byOperator = new Map<string, { up: number; down: number }>();
  const fleet = { up: 0, down: 0 };
  const states: Record<string, number> = { UP: 0, DOWN: 0, UNKNOWN: 0, MAINTENANCE: 0 };
  for (const [id, node, operator, region, current, lastHbMs, skewMs, operatorId, regionOrNull] of nodeRows) {
    names.set(id, node);
    // One current state everywhere: MAINTENANCE inside a declared window, as GET /v1/nodes says.
    const maintenance = defs.length ? maintenanceAt(defs, { id, operatorId, region: regionOrNull }, now) : null;
    const state = stateNow({ state: current, since: null }, maintenance).state ?? 'UNKNOWN';
    states[state] = (states[state] ?? 0) + 1;
    out.set(nodeUp, { node, operator, region, state }, state === 'UP' ? 1 : 0);
    if (lastHbMs !== null) out.set(lastReport, { node }, Math.max(0, (now - lastHbMs) / 1000));
    if (skewMs !== null) out.set(skew, { node }, skewMs / 1000);
    const t = totals.get(id);
    if (t) {
      const ratio = ratioOf(t);
      if (ratio !== null) out.set(uptime, { node, window: '30d' }, ratio);
      const o = byOperator.get(operator) ?? { up: 0, down: 0 };
      o.up += t.upMs;
      o.down += t.downMs;
      byOperator.set(operator, o);
      const g = byRegion.get(region) ?? { up: 0, down: 0 };
      g.up += t.upMs;
      g.down += t.downMs;
      byRegion.set(region, g);
      fleet.up += t.upMs;
      fleet.down += t.downMs;
    }
  }
  for (const [s, n] of Object.entries(states)) out.set(nodesByState, { state: s }, n);
  for (const [op, t] of byOperator)
    if (op && t.up + t.down > 0) out.set(operatorUptime, { operator: op, window: '30d' }, t.up / (t.up + t.down));
  for (const [region, t] of byRegion)
    if (region && t.up + t.down > 0) out.set(regionUptime, { region, window: '30d' }, t.up / (t.up + t.down));
  for (const o of operatorRows)
    out.set(operatorTarget, { operator: o.name, tier: o.tier }, thresholdFor('operator', o.tier, thresholds) / 100);
  out.set(fleetTarget, {}, thresholds.fleetTargetPct / 100);
  if (fleet.up + fleet.down > 0) out.set(fleetUptime, { window: '30d' }, fleet.up / (fleet.up + fleet.down));
  for (const [nodeId, check, probe, status] of checkRows) {
    const node = names.get(nodeId);
    if (node) out.set(checks, { node, check, probe }, CHECK_VALUE[status] ?? 3);
  }
  return out.text();
}
