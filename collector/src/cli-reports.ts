/**
 * The report command of the collector CLI (`timmy-collector report <kind> --period P --format F`): the
 * same service as `GET /v1/reports/:kind`, directly against the database; the report goes to stdout.
 */
import type postgres from 'postgres';
import type { Config } from './config.ts';

type WithSql = <T>(config: Config, fn: (sql: postgres.Sql) => Promise<T>) => Promise<T>;

export const REPORT_HELP = `  report <kind> [--period P] [--format md|csv|json]
                                         a report to stdout (kinds: weekly-fleet with P an ISO week 2026-W48,
                                         monthly-program with P a month 2026-11; default: the period in progress)`;

export const REPORT_OPTIONS = { period: { type: 'string' } } as const;

export function reportCommands(withSql: WithSql) {
  return {
    report: {
      usage: 'report <kind> [--period P] [--format md|csv|json]',
      valid: (sub: string | undefined) => !!sub,
      run: (config: Config, sub: string | undefined, _arg: string | undefined, v: Record<string, string | boolean | undefined>) =>
        withSql(config, async (sql) => {
          const [{ PayService }, { ReportService }] = await Promise.all([
            import('./pay-service/service.ts'),
            import('./services/reports.ts'),
          ]);
          const pay = new PayService(sql, config.pay, Date.now);
          await pay.ready();
          const str = (x: string | boolean | undefined) => (typeof x === 'string' ? x : undefined);
          const r = await new ReportService(sql, pay, Date.now).render(sub!, str(v.period), str(v.format));
          process.stdout.write(r.body);
          return 0;
        }),
    },
  };
}
