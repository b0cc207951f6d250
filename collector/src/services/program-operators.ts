/**
 * Applications, the lifecycle of an operator, partners and referrals, region coverage: the pure cores
 * (program/) over PostgreSQL. Every lifecycle move is one transaction: lock the operator's row, apply
 * `transition` to its stored status, store the new status and the record.
 */
import type postgres from 'postgres';
import { Value } from '@sinclair/typebox/value';
import { Errors } from '../errors.ts';
import {
  type CoverageRules,
  type LifecycleEvent,
  OperatorApplication,
  type OperatorInRegion,
  OperatorStatus,
  type ProgramProblem,
  SERVING_STATES,
  TransitionRecord,
  allowedEvents,
  applicationNotes,
  applicationProblems,
  funnel,
  regionCoverage,
  transition,
} from '../program/index.ts';
import { TIERS } from '../sla/budget.ts';
import { parseRef } from '../refs.ts';
import type { applications, operators, partners } from '../db/schema/index.ts';

/** A 400 listing every problem (`details`), each with its path and code. */
export function problemsError(what: string, problems: ProgramProblem[]): Error {
  return Object.assign(new Errors.BadRequest(`${what}: ${problems.map((p) => `${p.path} [${p.code}] ${p.message}`).join('; ')}`), {
    details: problems,
  });
}

type OperatorTable = typeof operators.$inferSelect;
type StatusRow = Pick<
  OperatorTable,
  | 'id'
  | 'name'
  | 'tier'
  | 'region'
  | 'lifecycleState'
  | 'lifecycleSince'
  | 'suspendedFrom'
  | 'lastActiveDay'
  | 'terminationReason'
  | 'rejectionReason'
>;
export type ApplicationRow = Pick<
  typeof applications.$inferSelect,
  'id' | 'data' | 'notes' | 'email' | 'region' | 'referralCode' | 'submittedAt'
> & {
  operator: string;
  state: string;
  partner: string | null;
};
export type PartnerRow = Pick<typeof partners.$inferSelect, 'id' | 'name' | 'referralCode' | 'createdAt'> & { referrals: number };
export interface ReferralRow {
  operator: string;
  state: string;
  tier: string;
  region: string | null;
  referredAt: Date;
}
interface TransitionRow {
  fromState: string;
  toState: string;
  event: unknown;
  by: string;
  atMs: number;
  reason: string;
}

const statusColumns = (sql: postgres.Sql | postgres.TransactionSql) => sql`
  id::int4 as id, name, tier, region, lifecycle_state as "lifecycleState", lifecycle_since as "lifecycleSince",
  suspended_from as "suspendedFrom", last_active_day as "lastActiveDay", termination_reason as "terminationReason",
  rejection_reason as "rejectionReason"`;

/** The stored status as the lifecycle core reads it (checked: a hand-edited row is refused, not trusted). */
function statusOf(r: StatusRow): OperatorStatus {
  const s = {
    state: r.lifecycleState,
    since: r.lifecycleSince.getTime(),
    ...(r.suspendedFrom !== null ? { suspendedFrom: r.suspendedFrom } : {}),
    ...(r.lastActiveDay !== null ? { lastActiveDay: r.lastActiveDay } : {}),
    ...(r.terminationReason !== null ? { termination: r.terminationReason } : {}),
    ...(r.rejectionReason !== null ? { rejection: r.rejectionReason } : {}),
  };
  if (!Value.Check(OperatorStatus, s)) throw new Error(`operator ${r.name}: stored lifecycle status is not valid`);
  return s;
}

function recordOf(r: TransitionRow): TransitionRecord {
  const rec = { from: r.fromState, to: r.toState, event: r.event, by: r.by, at: r.atMs, reason: r.reason };
  if (!Value.Check(TransitionRecord, rec)) throw new Error('a stored lifecycle transition is not valid');
  return rec;
}

/** The `status` column the rest of the collector reads: active while serving. */
const plainStatus = (state: string) => ((SERVING_STATES as readonly string[]).includes(state) ? 'active' : state);

export class ProgramOperators {
  private readonly sql: postgres.Sql;
  constructor(sql: postgres.Sql) {
    this.sql = sql;
  }

  private async operatorRow(sql: postgres.Sql | postgres.TransactionSql, ref: string, lock: boolean): Promise<StatusRow> {
    const r = parseRef(ref, 'operator');
    const [row] = await sql<StatusRow[]>`
      select ${statusColumns(sql)} from operators where ${r.id !== undefined ? sql`id = ${r.id}` : sql`name = ${r.name}`}
      ${lock ? sql`for update` : sql``}`;
    if (!row) throw new Errors.NotFound(`no operator "${ref}"`);
    return row;
  }

  /**
   * A submitted application: every problem listed (the form's and an unknown referral code), else an
   * operator in state `application`, the application, and the referral when a partner's code was given.
   */
  async submit(raw: unknown, now: number): Promise<{ id: number; operator: string; notes: ProgramProblem[] }> {
    const problems = applicationProblems(raw);
    const code = typeof raw === 'object' && raw !== null && 'referralCode' in raw ? raw.referralCode : undefined;
    const [partner] =
      typeof code === 'string' ? await this.sql<{ id: number }[]>`select id::int4 as id from partners where referral_code = ${code}` : [];
    if (typeof code === 'string' && !partner && !problems.some((p) => p.path === 'referralCode'))
      problems.push({ path: 'referralCode', code: 'unknown_referral_code', message: `no partner has the referral code ${code}` });
    if (problems.length || !isApplication(raw)) throw problemsError('the application has problems', problems);
    const app = raw;
    const notes = applicationNotes(app);
    return this.sql.begin(async (sql) => {
      const [next] = await sql<{ id: number }[]>`select nextval(pg_get_serial_sequence('applications', 'id'))::int4 as id`;
      const id = next!.id;
      const name = `applicant-${id}`;
      const at = new Date(now);
      const [op] = await sql<{ id: number }[]>`
        insert into operators (name, region, status, lifecycle_state, lifecycle_since)
        values (${name}, ${app.location.region}, 'application', 'application', ${at}) returning id::int4 as id`;
      await sql`
        insert into applications (id, operator_id, data, notes, email, region, referral_code, partner_id, submitted_at)
        values (${id}, ${op!.id}, ${sql.json(app as never)}, ${sql.json(notes as never)}, ${app.applicant.email}, ${app.location.region},
                ${app.referralCode ?? null}, ${partner?.id ?? null}, ${at})`;
      if (partner)
        await sql`insert into referrals (partner_id, operator_id, referred_at, application_id, recorded_by)
                  values (${partner.id}, ${op!.id}, ${at}, ${id}, 'application')`;
      return { id, operator: name, notes };
    });
  }

  /** Applications, newest first; `open` keeps those still in the pipeline before probation (the review queue). */
  async applications(open: boolean): Promise<ApplicationRow[]> {
    const sql = this.sql;
    return sql<ApplicationRow[]>`
      select a.id::int4 as id, a.data, a.notes, a.email, a.region, a.referral_code as "referralCode", a.submitted_at as "submittedAt",
             o.name as operator, o.lifecycle_state as state, p.name as partner
      from applications a join operators o on o.id = a.operator_id left join partners p on p.id = a.partner_id
      ${open ? sql`where o.lifecycle_state in ('application', 'screening', 'technical_review', 'training', 'exam')` : sql``}
      order by a.submitted_at desc, a.id desc limit 1000`;
  }

  /** The funnel over every operator who came through an application. */
  async funnel() {
    const rows = await this.sql<(TransitionRow & { operatorId: number })[]>`
      select a.operator_id::int4 as "operatorId", t.from_state as "fromState", t.to_state as "toState", t.event, t.by,
             (extract(epoch from t.at) * 1000)::float8 as "atMs", t.reason
      from (select distinct operator_id from applications) a
      left join operator_transitions t on t.operator_id = a.operator_id
      order by a.operator_id, t.at, t.id`;
    const histories = new Map<number, TransitionRecord[]>();
    for (const r of rows) {
      const h = histories.get(r.operatorId) ?? [];
      if (r.fromState !== null) h.push(recordOf(r));
      histories.set(r.operatorId, h);
    }
    return funnel([...histories.values()]);
  }

  /** An operator's status, the events allowed now, and every move so far. */
  async lifecycle(ref: string) {
    const row = await this.operatorRow(this.sql, ref, false);
    const rows = await this.sql<TransitionRow[]>`
      select from_state as "fromState", to_state as "toState", event, by, (extract(epoch from at) * 1000)::float8 as "atMs", reason
      from operator_transitions where operator_id = ${row.id} order by at, id`;
    const status = statusOf(row);
    return { operator: row.name, status, allowedEvents: allowedEvents(status.state), history: rows.map(recordOf) };
  }

  /** Apply one lifecycle event (who, why, when: `at`, default now). Refusals list every problem. */
  async move(ref: string, event: LifecycleEvent, meta: { by: string; reason: string; at: number }) {
    return this.sql.begin(async (sql) => {
      const row = await this.operatorRow(sql, ref, true);
      const r = transition(statusOf(row), event, meta);
      if (!r.ok) throw problemsError(`operator "${row.name}" cannot ${event?.type ?? 'move'}`, r.problems);
      const s = r.status;
      const tier = (TIERS as readonly string[]).includes(s.state) ? s.state : row.tier;
      await sql`
        update operators set lifecycle_state = ${s.state}, lifecycle_since = ${new Date(s.since)}, suspended_from = ${s.suspendedFrom ?? null},
          last_active_day = ${s.lastActiveDay ?? null}, termination_reason = ${s.termination ?? null}, rejection_reason = ${s.rejection ?? null},
          tier = ${tier}, status = ${plainStatus(s.state)}
        where id = ${row.id}`;
      const ev = r.record.event;
      const reasonCode = ev.type === 'reject' ? ev.reason : ev.type === 'exit' ? (ev.termination ?? null) : null;
      await sql`
        insert into operator_transitions (operator_id, from_state, to_state, event_type, event, reason_code, by, at, reason)
        values (${row.id}, ${r.record.from}, ${r.record.to}, ${ev.type}, ${sql.json(ev as never)}, ${reasonCode}, ${r.record.by},
                ${new Date(r.record.at)}, ${r.record.reason})`;
      return { operator: row.name, status: s, record: r.record, allowedEvents: allowedEvents(s.state) };
    });
  }

  async addPartner(p: { name: string; referralCode: string }, by: string, now: number): Promise<PartnerRow> {
    const rows = await this.sql`
      insert into partners (name, referral_code, created_by, created_at) values (${p.name}, ${p.referralCode}, ${by}, ${new Date(now)})
      on conflict do nothing returning id`;
    if (rows.length === 0) throw new Errors.Conflict(`a partner named "${p.name}" or with the code ${p.referralCode} exists already`);
    return (await this.partners(p.name))[0]!;
  }

  async partners(name?: string): Promise<PartnerRow[]> {
    const sql = this.sql;
    return sql<PartnerRow[]>`
      select p.id::int4 as id, p.name, p.referral_code as "referralCode", p.created_at as "createdAt",
             (select count(*) from referrals r where r.partner_id = p.id)::int4 as referrals
      from partners p ${name === undefined ? sql`` : sql`where p.name = ${name}`} order by p.name`;
  }

  /** A partner and the operators they referred (with each one's state now). */
  async partner(ref: string): Promise<{ partner: PartnerRow; referrals: ReferralRow[] }> {
    const r = parseRef(ref, 'partner');
    const sql = this.sql;
    const [p] = await sql<
      { name: string }[]
    >`select name from partners where ${r.id !== undefined ? sql`id = ${r.id}` : sql`name = ${r.name}`}`;
    if (!p) throw new Errors.NotFound(`no partner "${ref}"`);
    const partner = (await this.partners(p.name))[0]!;
    const referrals = await sql<ReferralRow[]>`
      select o.name as operator, o.lifecycle_state as state, o.tier, o.region, r.referred_at as "referredAt"
      from referrals r join operators o on o.id = r.operator_id where r.partner_id = ${partner.id} order by r.referred_at, o.name`;
    return { partner, referrals };
  }

  /** Record that a partner referred an operator (one partner per operator). */
  async refer(partnerRef: string, operatorRef: string, at: number, by: string): Promise<void> {
    const { partner } = await this.partner(partnerRef);
    const op = await this.operatorRow(this.sql, operatorRef, false);
    const rows = await this.sql`
      insert into referrals (partner_id, operator_id, referred_at, recorded_by) values (${partner.id}, ${op.id}, ${new Date(at)}, ${by})
      on conflict (operator_id) do nothing returning id`;
    if (rows.length === 0) throw new Errors.Conflict(`operator "${op.name}" has a referring partner already`);
  }

  /** Active operators per region against the requirement (two by default); regions with nobody are listed when configured. */
  async coverage(rules: Partial<CoverageRules> = {}) {
    return regionCoverage(await operatorsInRegions(this.sql), rules);
  }
}

/**
 * Region coverage's input: every operator with a region and its lifecycle state (one small query over
 * operators). The API, /metrics and the alert cycle all read it here.
 */
export async function operatorsInRegions(sql: postgres.Sql): Promise<OperatorInRegion[]> {
  const rows = await sql<{ operatorId: number; state: string; region: string }[]>`
    select id::int4 as "operatorId", lifecycle_state as state, region from operators where region is not null`;
  return rows.flatMap((r) => {
    const state = Value.Check(OperatorStatus.properties.state, r.state) ? r.state : undefined;
    return state ? [{ operatorId: String(r.operatorId), state, region: r.region }] : [];
  });
}

const isApplication = (raw: unknown): raw is OperatorApplication => Value.Check(OperatorApplication, raw);
