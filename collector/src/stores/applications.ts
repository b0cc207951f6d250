/**
 * Applications: a submitted application with the operator it creates (state `application`, named
 * `applicant-<id>`), the review queue, and the applications of a period (the monthly program report).
 */
import type postgres from 'postgres';
import type { applications } from '../db/schema/index.ts';
import type { OperatorApplication, ProgramProblem } from '../program/index.ts';

export type ApplicationRow = Pick<
  typeof applications.$inferSelect,
  'id' | 'data' | 'notes' | 'email' | 'region' | 'referralCode' | 'submittedAt'
> & {
  operator: string;
  state: string;
  partner: string | null;
};

/**
 * Stores an application and creates its operator (run it in a transaction): the application's id,
 * the operator's id and name.
 */
export async function insertApplication(
  sql: postgres.ISql,
  a: { application: OperatorApplication; notes: ProgramProblem[]; partnerId: number | null; at: number },
): Promise<{ id: number; operatorId: number; operator: string }> {
  const [next] = await sql<{ id: number }[]>`select nextval(pg_get_serial_sequence('applications', 'id'))::int4 as id`;
  const id = next!.id;
  const operator = `applicant-${id}`;
  const app = a.application;
  const at = new Date(a.at);
  const [op] = await sql<{ id: number }[]>`
    insert into operators (name, region, status, lifecycle_state, lifecycle_since)
    values (${operator}, ${app.location.region}, 'application', 'application', ${at}) returning id::int4 as id`;
  await sql`
    insert into applications (id, operator_id, data, notes, email, region, referral_code, partner_id, submitted_at)
    values (${id}, ${op!.id}, ${sql.json(app as never)}, ${sql.json(a.notes as never)}, ${app.applicant.email}, ${app.location.region},
            ${app.referralCode ?? null}, ${a.partnerId}, ${at})`;
  return { id, operatorId: op!.id, operator };
}

/** Applications, newest first; `open` keeps those still in the pipeline before probation (the review queue). */
export function listApplications(sql: postgres.ISql, open: boolean): Promise<ApplicationRow[]> {
  return sql<ApplicationRow[]>`
    select a.id::int4 as id, a.data, a.notes, a.email, a.region, a.referral_code as "referralCode", a.submitted_at as "submittedAt",
           o.name as operator, o.lifecycle_state as state, p.name as partner
    from applications a join operators o on o.id = a.operator_id left join partners p on p.id = a.partner_id
    ${open ? sql`where o.lifecycle_state in ('application', 'screening', 'technical_review', 'training', 'exam')` : sql``}
    order by a.submitted_at desc, a.id desc limit 1000`;
}

export type PeriodApplicationRow = Pick<ApplicationRow, 'submittedAt' | 'partner'>;

/** Applications submitted in [from, to), with the referring partner's name. */
export function applicationsBetween(sql: postgres.ISql, from: number, to: number): Promise<PeriodApplicationRow[]> {
  return sql<PeriodApplicationRow[]>`
    select a.submitted_at as "submittedAt", p.name as partner from applications a left join partners p on p.id = a.partner_id
    where a.submitted_at >= ${new Date(from)} and a.submitted_at < ${new Date(to)}`;
}
