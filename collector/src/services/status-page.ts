/**
 * The public status page's data: the fleet and each region with their 90-day bars and the state of
 * their nodes now, the incidents under way, current and upcoming maintenance, and the days the
 * monitoring itself was not observing. Nothing private: no node or operator names, no credentials, no
 * contacts, no pay. The bars come from the per-region day rows (RegionDaysCache): one read of the
 * recent days per call; the route caches the whole answer for 30 s.
 */
import type postgres from 'postgres';
import type { PublicIncident, PublicMaintenance, StatusGroup, StatusPage } from '@timmy/shared';
import { listIncidents } from '../alerts/incident-store.ts';
import { thresholdFor, type Thresholds } from '../sla/budget.ts';
import { DAY_MS, dayBar, daysSpan, fillDays, monitoringGaps, ratioOfDays } from '../sla/days.ts';
import { covers, expandWindow, maintenanceAt, stateNow } from '../sla/maintenance.ts';
import type { Span } from '../sla/types.ts';
import { loadMaintenance } from '../stores/maintenance.ts';
import { countState, listSlaNodes, zeroCounts, type SlaNode } from '../stores/nodes.ts';
import { dayView, type RegionDaysCache } from './uptime-days.ts';

export const STATUS_DAYS = 90;
/** Upcoming maintenance shown this far ahead. */
export const STATUS_AHEAD_MS = 30 * DAY_MS;

const iso = (t: number) => new Date(t).toISOString();

const TITLES: Record<string, string> = {
  P0: 'Fleet-wide outage',
  P1: 'Regional outage',
  P2: 'Node outage',
  P3: 'Degraded service',
};

/** A public title: what kind, how many nodes, where (never a node or operator name). */
export function publicTitle(severity: string, nodes: number, regions: readonly string[]): string {
  const what = TITLES[severity] ?? 'Incident';
  const count = nodes === 1 ? '1 node' : `${nodes} nodes`;
  return `${what}: ${count}${regions.length ? ` in ${regions.join(', ')}` : ''}`;
}

export interface StatusDeps {
  sql: postgres.Sql;
  thresholds: Thresholds;
  regionDays: RegionDaysCache;
  /** Observation spans overlapping [from, to) (ObservationRecorder.spans). */
  spans: (from: number, to: number) => Promise<Span[]>;
}

export async function statusPage(d: StatusDeps, now: number): Promise<StatusPage> {
  const span = daysSpan(now, STATUS_DAYS);
  const [nodes, defs, rows, incidents, spans] = await Promise.all([
    listSlaNodes(d.sql, { inServiceAfter: span.start }),
    loadMaintenance(d.sql, now - 7 * DAY_MS, now + STATUS_AHEAD_MS),
    d.regionDays.rows(now, STATUS_DAYS),
    listIncidents(d.sql, { status: 'unresolved', limit: 500 }),
    d.spans(span.start, now),
  ]);
  const inService = (n: SlaNode) => !n.decommissionedAt || n.decommissionedAt > now;
  const target = thresholdFor('fleet', null, d.thresholds);

  const group = (key: string | null, members: SlaNode[], groupRows: typeof rows): StatusGroup => {
    const states = zeroCounts();
    for (const n of members)
      if (inService(n)) countState(states, stateNow({ state: n.currentState, since: null }, maintenanceAt(defs, n, now)).state);
    const days = fillDays(groupRows, now, STATUS_DAYS, members.length).map((x) => dayBar(x, target, { nodes: members.length }));
    return {
      key,
      nodeCount: members.filter(inService).length,
      states,
      thresholdPct: target,
      ratio90d: ratioOfDays(days),
      days: days.map(dayView),
    };
  };
  const regions = [...new Set(nodes.map((n) => n.region).filter((r): r is string => r !== null))].sort();

  const publicIncidents: PublicIncident[] = incidents
    .filter((i) => i.absorbedInto === null && i.status !== 'resolved')
    .map((i) => ({
      id: i.id,
      severity: i.severity,
      status: i.status === 'acknowledged' ? 'acknowledged' : 'open',
      title: publicTitle(i.severity, i.nodeIds.length, i.regions),
      regions: i.regions,
      nodeCount: i.nodeIds.length,
      openedAt: iso(i.openedAt),
      acknowledgedAt: i.acknowledgedAt === null ? null : iso(i.acknowledgedAt),
    }));

  const maintenance: PublicMaintenance[] = [];
  for (const def of defs) {
    const next = expandWindow(def, now - (def.end - def.start), now + STATUS_AHEAD_MS).find((o) => o.end > now);
    if (!next) continue;
    maintenance.push({
      id: def.id,
      scope: def.scope,
      region: def.scope === 'region' ? def.target : null,
      nodeCount: nodes.filter((n) => inService(n) && covers(def, n)).length,
      start: iso(next.start),
      end: iso(next.end),
      recurrence: def.recurrence,
      reason: def.reason,
      current: next.start <= now,
    });
  }
  maintenance.sort((a, b) => a.start.localeCompare(b.start) || a.id - b.id);

  return {
    generatedAt: iso(now),
    from: iso(span.start),
    to: iso(now),
    fleet: group(null, nodes, rows),
    regions: regions.map((r) =>
      group(
        r,
        nodes.filter((n) => n.region === r),
        rows.filter((x) => x.group === r),
      ),
    ),
    incidents: publicIncidents,
    maintenance,
    monitoringGaps: monitoringGaps(spans, span.start, now).map((g) => ({
      day: g.day,
      seconds: g.ms / 1000,
      spans: g.spans.map((s) => ({ start: iso(s.start), end: iso(s.end) })),
    })),
  };
}
