/**
 * Reports over the database: gathers the records a report kind reads (the SLA store's interval totals,
 * the hourly rollups, incidents, the program's operators, applications and referrals, the pay service's
 * statements or estimate), then hands them to the pure builders (reports/) and renderers.
 */
import type postgres from 'postgres';
import { listIncidents } from '../alerts/incident-store.ts';
import { Errors } from '../errors.ts';
import type { PayService } from '../pay-service/service.ts';
import { SERVING_STATES } from '../program/lifecycle.ts';
import { CONTENT_TYPES, FORMATS, render, type Format, type ReportDoc } from '../reports/document.ts';
import type { FleetInput, NodeRecord, OperatorRecord, ProgramInput } from '../reports/input.ts';
import { parsePeriod, periodAt, type Period } from '../reports/period.ts';
import { isReportKind, REPORT_KIND_NAMES, REPORT_KINDS, type ReportKindName } from '../reports/registry.ts';
import { ZERO_TOTALS } from '../sla/budget.ts';
import { totalsByNode } from '../stores/intervals.ts';
import { loadMaintenance } from '../stores/maintenance.ts';
import { listSlaNodes } from '../stores/nodes.ts';

const DAY = 86_400_000;
/** Incidents read per period at most (a period with more is a report of its own kind). */
const MAX_INCIDENTS = 10_000;
const LEAVING_STATE = 'exited';

export interface RenderedReport {
  kind: ReportKindName;
  period: Period;
  format: Format;
  contentType: string;
  body: string;
}

export class ReportService {
  private readonly sql: postgres.Sql;
  private readonly pay: PayService;
  private readonly clock: () => number;
  constructor(sql: postgres.Sql, pay: PayService, clock: () => number) {
    this.sql = sql;
    this.pay = pay;
    this.clock = clock;
  }

  /** The kind and period named by a caller, or a 400 saying what is accepted. Without a period: the current one. */
  resolve(kind: string, period?: string): { kind: ReportKindName; period: Period } {
    if (!isReportKind(kind)) throw new Errors.NotFound(`no report kind "${kind}" (kinds: ${REPORT_KIND_NAMES.join(', ')})`);
    const cadence = REPORT_KINDS[kind].cadence;
    if (period === undefined) return { kind, period: periodAt(cadence, this.clock()) };
    const p = parsePeriod(cadence, period);
    if (!p) throw new Errors.BadRequest(`period "${period}" is not a ${cadence === 'week' ? 'week (2026-W48)' : 'month (2026-11)'}`);
    return { kind, period: p };
  }

  static format(f: string | undefined): Format {
    const format = f ?? 'md';
    if (!(FORMATS as readonly string[]).includes(format))
      throw new Errors.BadRequest(`format "${format}" is not one of ${FORMATS.join(', ')}`);
    return format as Format;
  }

  async build(kind: ReportKindName, period: Period): Promise<ReportDoc> {
    const k = REPORT_KINDS[kind];
    if (k.reads === 'fleet') return k.build(await this.fleet(period, period.start), period);
    return k.build(await this.program(period), period);
  }

  async render(kind: string, period: string | undefined, format: string | undefined): Promise<RenderedReport> {
    const f = ReportService.format(format);
    const r = this.resolve(kind, period);
    const body = render(await this.build(r.kind, r.period), f);
    return { ...r, format: f, contentType: CONTENT_TYPES[f], body };
  }

  /** Nodes (uptime from `uptimeFrom` to the period's end) and the incidents opened in the period. */
  private async fleet(p: Period, uptimeFrom: number): Promise<FleetInput> {
    const now = this.clock();
    const [nodes, defs, usage, incidents] = await Promise.all([
      listSlaNodes(this.sql),
      loadMaintenance(this.sql, uptimeFrom, p.end),
      this.usage(p),
      listIncidents(this.sql, { from: p.start, to: p.end, limit: MAX_INCIDENTS }),
    ]);
    const totals = await totalsByNode(this.sql, { from: uptimeFrom, to: p.end, now, maintenance: defs });
    const records: NodeRecord[] = nodes
      .filter((n) => !n.decommissionedAt || n.decommissionedAt > uptimeFrom)
      .map((n) => ({
        id: String(n.id),
        name: n.name,
        operator: n.operator,
        tier: n.tier,
        region: n.region,
        totals: totals.get(n.id) ?? ZERO_TOTALS,
        usage: usage.get(n.id) ?? { load1Avg: null, memPctAvg: null, diskPctMax: null },
      }));
    return { nodes: records, incidents };
  }

  /** Resource use per node over the period, from the hourly rollups (complete hours). */
  private async usage(p: Period): Promise<Map<number, NodeRecord['usage']>> {
    const rows = await this.sql<{ nodeId: number; load1Avg: number | null; memPctAvg: number | null; diskPctMax: number | null }[]>`
      select node_id::int8 as "nodeId", round(avg(load1_avg)::numeric, 2)::float8 as "load1Avg",
        round(avg(mem_pct_avg)::numeric, 2)::float8 as "memPctAvg", round(max(disk_pct_max)::numeric, 2)::float8 as "diskPctMax"
      from metric_rollup_minutes where hour >= ${new Date(p.start)} and hour < ${new Date(p.end)} group by node_id`;
    return new Map(rows.map((r) => [Number(r.nodeId), { load1Avg: r.load1Avg, memPctAvg: r.memPctAvg, diskPctMax: r.diskPctMax }]));
  }

  private async program(month: Period): Promise<ProgramInput> {
    const serving = SERVING_STATES as readonly string[];
    const [fleet, operators, applications, referrals, payouts] = await Promise.all([
      this.fleet(month, month.end - 30 * DAY),
      this.sql<{ name: string; tier: string; state: string; stateAtStart: string | null; leftAt: Date | null }[]>`
        select o.name, o.tier, o.lifecycle_state as state,
          coalesce(
            (select t.to_state from operator_transitions t where t.operator_id = o.id and t.at < ${new Date(month.start)}
              order by t.at desc, t.id desc limit 1),
            (select t.from_state from operator_transitions t where t.operator_id = o.id and t.at >= ${new Date(month.start)}
              order by t.at, t.id limit 1),
            case when o.lifecycle_since < ${new Date(month.start)} then o.lifecycle_state end) as "stateAtStart",
          (select min(t.at) from operator_transitions t where t.operator_id = o.id and t.to_state = ${LEAVING_STATE}
            and t.at >= ${new Date(month.start)} and t.at < ${new Date(month.end)}) as "leftAt"
        from operators o order by o.name`,
      this.sql<{ submittedAt: Date; partner: string | null }[]>`
        select a.submitted_at as "submittedAt", p.name as partner from applications a left join partners p on p.id = a.partner_id
        where a.submitted_at >= ${new Date(month.start)} and a.submitted_at < ${new Date(month.end)}`,
      this.sql<{ partner: string; operator: string; state: string; referredAt: Date }[]>`
        select p.name as partner, o.name as operator, o.lifecycle_state as state, r.referred_at as "referredAt"
        from referrals r join partners p on p.id = r.partner_id join operators o on o.id = r.operator_id
        where r.referred_at >= ${new Date(month.start)} and r.referred_at < ${new Date(month.end)}`,
      this.pay.monthPayouts(month.id),
    ]);
    return {
      ...fleet,
      operators: operators.map(
        (o): OperatorRecord => ({
          name: o.name,
          tier: o.tier,
          state: o.state,
          servingAtStart: o.stateAtStart !== null && serving.includes(o.stateAtStart),
          leftInPeriod: o.leftAt !== null,
        }),
      ),
      applications: applications.map((a) => ({ submittedAt: a.submittedAt.getTime(), partner: a.partner })),
      referrals: referrals.map((r) => ({ ...r, referredAt: r.referredAt.getTime() })),
      payouts: {
        final: payouts.final,
        currency: payouts.currency,
        lines: payouts.statements.flatMap((s) => s.lines.map((l) => ({ kind: l.kind, amountCents: l.amountCents }))),
      },
    };
  }
}
