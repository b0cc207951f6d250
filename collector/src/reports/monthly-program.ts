/**
 * The monthly program (partner) report: node inventory with uptime and issues, the incident log, MTTR
 * per severity, active operators by tier, payouts by category, referral activity, and the program's
 * targets against actuals. Pure: a function of the gathered records.
 */
import { SEVERITIES } from '@timmy/shared';
import { incidentStats } from '../alerts/incident-stats.ts';
import { SERVING_STATES } from '../program/lifecycle.ts';
import type { ReportDoc } from './document.ts';
import { hours, inPeriod, iso, periodIncidents, sumTotals, uptimePct, type ProgramInput } from './input.ts';
import type { Period } from './period.ts';

/** The program's success metrics. */
export const PROGRAM_TARGETS = {
  certifiedOperatorsMin: 3,
  certifiedOperatorsMax: 5,
  /** Operators leaving per year, percent of those serving (the month's rate x 12). */
  annualChurnMaxPct: 10,
  fleetUptimeMinPct: 99.5,
  /** Applications carrying a partner's referral code, percent of the month's applications. */
  partnerLeadsMinPct: 30,
} as const;

/** Certified and above (probation is serving but not yet certified). */
const CERTIFIED = SERVING_STATES.filter((s) => s !== 'probation') as readonly string[];
const pct = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n / d) * 10_000) / 100);
const money = (cents: number) => (cents / 100).toFixed(2);
const verdict = (ok: boolean | null) => (ok === null ? 'no data' : ok ? 'met' : 'missed');

export function monthlyProgramReport(input: ProgramInput, month: Period): ReportDoc {
  const incidents = periodIncidents(input.incidents, month).sort((a, b) => a.openedAt - b.openedAt);
  const stats = incidentStats(incidents, { from: month.start, to: month.end });
  const nodes = [...input.nodes].sort((a, b) => a.name.localeCompare(b.name));
  const fleetUptime = uptimePct(sumTotals(nodes.map((n) => n.totals)));

  const certified = input.operators.filter((o) => CERTIFIED.includes(o.state));
  const tiers = [...new Set(certified.map((o) => o.tier))].sort();
  const servingAtStart = input.operators.filter((o) => o.servingAtStart).length;
  const left = input.operators.filter((o) => o.leftInPeriod).length;
  const monthlyChurn = pct(left, servingAtStart);
  const annualChurn = monthlyChurn === null ? null : Math.round(monthlyChurn * 12 * 100) / 100;

  const leads = input.applications.filter((a) => inPeriod(a.submittedAt, month));
  const partnerLeads = leads.filter((a) => a.partner !== null).length;
  const partnerShare = pct(partnerLeads, leads.length);
  const referrals = input.referrals.filter((r) => inPeriod(r.referredAt, month)).sort((a, b) => a.referredAt - b.referredAt);

  const byKind = new Map<string, number>();
  for (const l of input.payouts.lines) byKind.set(l.kind, (byKind.get(l.kind) ?? 0) + l.amountCents);
  const payoutTotal = [...byKind.values()].reduce((a, b) => a + b, 0);

  const T = PROGRAM_TARGETS;
  const n = certified.length;
  return {
    kind: 'monthly-program',
    title: 'Fleet partner report',
    period: { id: month.id, start: iso(month.start), end: iso(month.end) },
    sections: [
      {
        heading: 'Summary',
        facts: [
          ['Nodes', nodes.length],
          ['Fleet uptime % (30 days)', fleetUptime],
          ['Incidents', stats.fleet.count],
          ['Active certified operators', n],
          ['New applications', leads.length],
          ['Referrals', referrals.length],
          [`Payouts (${input.payouts.currency}, ${input.payouts.final ? 'closed statements' : 'estimate'})`, money(payoutTotal)],
        ],
      },
      {
        heading: 'Node inventory',
        table: {
          columns: ['node', 'operator', 'tier', 'region', 'uptime % (30 days)', 'down (h)', 'issues'],
          rows: nodes.map((x) => [
            x.name,
            x.operator,
            x.tier,
            x.region,
            uptimePct(x.totals),
            hours(x.totals.downMs),
            incidents.filter((i) => i.nodeIds.includes(x.name)).length,
          ]),
        },
      },
      {
        heading: 'Incident log',
        table: {
          columns: ['date', 'severity', 'nodes', 'duration (h)', 'cause', 'resolution'],
          rows: incidents.map((i) => [
            iso(i.openedAt).slice(0, 10),
            i.severity,
            i.nodeIds.join(' '),
            i.resolvedAt === null ? 'open' : hours(i.resolvedAt - i.openedAt),
            i.cause,
            i.resolution,
          ]),
        },
      },
      {
        heading: 'MTTR per severity',
        table: {
          columns: ['severity', 'incidents', 'resolved', 'MTTA (h)', 'MTTR (h)'],
          rows: SEVERITIES.map((s) => {
            const x = stats.bySeverity[s];
            return [s, x.count, x.resolved, hours(x.mttaMs), hours(x.mttrMs)];
          }),
        },
      },
      {
        heading: 'Active operators by tier',
        table: { columns: ['tier', 'operators'], rows: tiers.map((t) => [t, certified.filter((o) => o.tier === t).length]) },
      },
      {
        heading: 'Payouts by category',
        facts: [['Source', input.payouts.final ? 'closed statements' : 'estimate (month not closed)']],
        table: {
          columns: ['category', `amount (${input.payouts.currency})`],
          rows: [
            ...[...byKind].sort(([a], [b]) => a.localeCompare(b)).map(([k, c]): [string, string] => [k, money(c)]),
            ['total', money(payoutTotal)],
          ],
        },
      },
      {
        heading: 'Referral activity',
        facts: [
          ['Applications', leads.length],
          ['Through a partner', partnerLeads],
        ],
        table: {
          columns: ['date', 'partner', 'operator', 'status'],
          rows: referrals.map((r) => [iso(r.referredAt).slice(0, 10), r.partner, r.operator, r.state]),
        },
      },
      {
        heading: 'Targets against actuals',
        table: {
          columns: ['metric', 'target', 'actual', 'status'],
          rows: [
            [
              'Active certified operators',
              `${T.certifiedOperatorsMin}-${T.certifiedOperatorsMax}`,
              n,
              verdict(n >= T.certifiedOperatorsMin && n <= T.certifiedOperatorsMax),
            ],
            [
              'Annual churn %',
              `< ${T.annualChurnMaxPct}`,
              annualChurn,
              verdict(annualChurn === null ? null : annualChurn < T.annualChurnMaxPct),
            ],
            [
              'Fleet uptime %',
              `> ${T.fleetUptimeMinPct}`,
              fleetUptime,
              verdict(fleetUptime === null ? null : fleetUptime > T.fleetUptimeMinPct),
            ],
            [
              'Partner share of new leads %',
              `> ${T.partnerLeadsMinPct}`,
              partnerShare,
              verdict(partnerShare === null ? null : partnerShare > T.partnerLeadsMinPct),
            ],
          ],
        },
      },
    ],
  };
}
