/** The job-run log (`job_runs`): written by a job while it holds its advisory lock. */
import type postgres from 'postgres';

export async function recordJobRun(
  sql: postgres.Sql,
  job: string,
  instanceId: string,
  startedAt: number,
  finishedAt: number,
  rows: number,
): Promise<void> {
  await sql`insert into job_runs (job, instance_id, started_at, finished_at, rows) values (${job}, ${instanceId}, ${new Date(startedAt)}, ${new Date(finishedAt)}, ${rows})`;
}
