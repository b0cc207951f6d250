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
import { applicationsBetween } from '../stores/applications.ts';
import { totalsByNode } from '../stores/intervals.ts';
import { operatorStatesOver } from '../stores/lifecycle.ts';
import { loadMaintenance } from '../stores/maintenance.ts';
import { listSlaNodes } from '../stores/nodes.ts';
import { referralsBetween } from '../stores/partners.ts';
import { usageByNode } from '../stores/rollups.ts';

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
      usageByNode(this.sql, p.start, p.end),
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

  private async program(month: Period): Promise<ProgramInput> {
    const serving = SERVING_STATES as readonly string[];
    const [fleet, operators, applications, referrals, payouts] = await Promise.all([
      this.fleet(month, month.end - 30 * DAY),
      operatorStatesOver(this.sql, month.start, month.end, LEAVING_STATE),
      applicationsBetween(this.sql, month.start, month.end),
      referralsBetween(this.sql, month.start, month.end),
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
