/**
 * Reports on a calendar schedule (UTC), delivered once per period through the notification outbox.
 * Each firing reports on the period just finished. Once across collectors and restarts: a row per
 * (kind, period) in `report_runs` is inserted in the same transaction as the outbox rows; a second
 * collector (or the same one after a restart) finds the row and enqueues nothing.
 */
import type postgres from 'postgres';
import type { Outbox } from '../alerts/outbox.ts';
import { ConfigError } from '../config.ts';
import { render, type Format } from '../reports/document.ts';
import { previousPeriod } from '../reports/period.ts';
import { REPORT_KINDS, type ReportKindName } from '../reports/registry.ts';
import { claimReportRun, reportRunDone } from '../stores/report-runs.ts';
import type { ReportService } from './reports.ts';

export interface ReportScheduleSettings {
  /** Cron expressions (UTC) per kind; a kind not listed is not scheduled. */
  cron: Partial<Record<ReportKindName, string>>;
  /** Alert channel names the reports go to. */
  channels: string[];
  format: Format;
}

export class ReportScheduler {
  private readonly sql: postgres.Sql;
  private readonly reports: ReportService;
  private readonly outbox: Outbox;
  private readonly settings: ReportScheduleSettings;
  private readonly clock: () => number;
  private stops: Array<() => void> = [];

  constructor(sql: postgres.Sql, reports: ReportService, outbox: Outbox, settings: ReportScheduleSettings, clock: () => number) {
    this.sql = sql;
    this.reports = reports;
    this.outbox = outbox;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * The delivery of the period of `kind` finished at `now`: true when this call enqueued it, false when
   * it had been enqueued already (by this collector or another).
   */
  async fire(kind: ReportKindName, now: number): Promise<boolean> {
    const period = previousPeriod(REPORT_KINDS[kind].cadence, now);
    if (await reportRunDone(this.sql, kind, period.id)) return false;
    const doc = await this.reports.build(kind, period);
    const body = render(doc, this.settings.format);
    const id = `report:${kind}:${period.id}`;
    return this.sql.begin(async (tx) => {
      if (!(await claimReportRun(tx, kind, period.id, now, this.outbox.workerId))) return false;
      await this.outbox.enqueue(
        this.settings.channels.map((channel) => ({
          incidentId: id,
          transitionId: 'report',
          channel,
          notification: {
            incidentId: id,
            incidentKey: id,
            transition: 'report' as const,
            severity: 'P3' as const,
            summary: `${doc.title} ${period.id}`,
            nodes: [],
            operatorIds: [],
            regions: [],
            flapping: false,
            openedAt: period.start,
            resolvedAt: null,
            at: now,
            acknowledgedBy: null,
            cause: null,
            resolution: null,
            detail: body,
            ackUrl: null,
            incidentUrl: null,
          },
        })),
        now,
        tx,
      );
      return true;
    });
  }

  /** Starts the cron jobs (UTC); each firing reads the injected clock. Errors go to `onError`. A bad expression is FLEET_CONFIG_INVALID. */
  async start(onError: (kind: ReportKindName, e: unknown) => void): Promise<void> {
    const cron = (await import('node-cron')).default;
    const entries = Object.entries(this.settings.cron) as Array<[ReportKindName, string]>;
    const bad = entries.filter(([, expr]) => !cron.validate(expr));
    if (bad.length) throw new ConfigError(bad.map(([kind, expr]) => `reports: "${expr}" (${kind}) is not a cron expression`));
    for (const [kind, expr] of entries) {
      const task = cron.schedule(expr, () => void this.fire(kind, this.clock()).catch((e) => onError(kind, e)), { timezone: 'UTC' });
      this.stops.push(() => void task.stop());
    }
  }

  stop(): void {
    for (const s of this.stops.splice(0)) s();
  }
}
