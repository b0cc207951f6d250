/** Scheduled report deliveries: one row per (kind, period) once enqueued, whichever collector did it. */
import type postgres from 'postgres';

/** Whether the delivery of this kind and period was enqueued already. */
export async function reportRunDone(sql: postgres.ISql, kind: string, period: string): Promise<boolean> {
  const rows = await sql`select 1 from report_runs where kind = ${kind} and period = ${period}`;
  return rows.length > 0;
}

/** Claims the delivery (run it in the transaction that enqueues it); false when it was claimed already. */
export async function claimReportRun(sql: postgres.ISql, kind: string, period: string, at: number, by: string): Promise<boolean> {
  const claimed = await sql`insert into report_runs (kind, period, created_at, created_by)
    values (${kind}, ${period}, ${new Date(at)}, ${by}) on conflict do nothing returning kind`;
  return claimed.length > 0;
}
