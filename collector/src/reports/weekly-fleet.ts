/**
 * The weekly fleet report: uptime, incidents and resource use per node and per operator over an ISO week.
 * Pure: a function of the gathered records.
 */
import { SEVERITIES } from '@timmy/shared';
import { incidentStats } from '../alerts/incident-stats.ts';
import type { ReportDoc } from './document.ts';
import { hours, iso, periodIncidents, round2, sumTotals, uptimePct, type FleetInput, type NodeRecord } from './input.ts';
import type { Period } from './period.ts';

const mean = (xs: Array<number | null>): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? round2(v.reduce((a, b) => a + b, 0) / v.length) : null;
};
const max = (xs: Array<number | null>): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? Math.max(...v) : null;
};

export function weeklyFleetReport(input: FleetInput, week: Period): ReportDoc {
  const incidents = periodIncidents(input.incidents, week);
  const stats = incidentStats(incidents, { from: week.start, to: week.end });
  const touching = (pred: (i: (typeof incidents)[number]) => boolean) => incidents.filter(pred).length;
  const nodes = [...input.nodes].sort((a, b) => a.name.localeCompare(b.name));
  const byOperator = new Map<string, NodeRecord[]>();
  for (const n of nodes) {
    const key = n.operator ?? '(unassigned)';
    (byOperator.get(key) ?? byOperator.set(key, []).get(key)!).push(n);
  }
  return {
    kind: 'weekly-fleet',
    title: 'Weekly fleet report',
    period: { id: week.id, start: iso(week.start), end: iso(week.end) },
    sections: [
      {
        heading: 'Fleet',
        facts: [
          ['Nodes', nodes.length],
          ['Fleet uptime %', uptimePct(sumTotals(nodes.map((n) => n.totals)))],
          ['Incidents', stats.fleet.count],
          ...SEVERITIES.map((s): [string, number] => [`Incidents ${s}`, stats.bySeverity[s].count]),
          ['MTTA (h)', hours(stats.fleet.mttaMs)],
          ['MTTR (h)', hours(stats.fleet.mttrMs)],
        ],
      },
      {
        heading: 'Nodes',
        table: {
          columns: ['node', 'operator', 'tier', 'uptime %', 'down (h)', 'incidents', 'load1 avg', 'memory % avg', 'disk % max'],
          rows: nodes.map((n) => [
            n.name,
            n.operator,
            n.tier,
            uptimePct(n.totals),
            hours(n.totals.downMs),
            touching((i) => i.nodeIds.includes(n.name)),
            n.usage.load1Avg,
            n.usage.memPctAvg,
            n.usage.diskPctMax,
          ]),
        },
      },
      {
        heading: 'Operators',
        table: {
          columns: ['operator', 'nodes', 'uptime %', 'down (h)', 'incidents', 'load1 avg', 'memory % avg', 'disk % max'],
          rows: [...byOperator].map(([op, ns]) => {
            const t = sumTotals(ns.map((n) => n.totals));
            return [
              op,
              ns.length,
              uptimePct(t),
              hours(t.downMs),
              stats.byOperator[op]?.count ?? 0,
              mean(ns.map((n) => n.usage.load1Avg)),
              mean(ns.map((n) => n.usage.memPctAvg)),
              max(ns.map((n) => n.usage.diskPctMax)),
            ];
          }),
        },
      },
    ],
  };
}
