/**
 * Applications, the lifecycle of an operator, partners and referrals, region coverage: the pure cores
 * (program/) over the program's stores. Every lifecycle move is one transaction: lock the operator's
 * row, apply `transition` to its stored status, store the new status and the record.
 */
import type postgres from 'postgres';
import { Value } from '@sinclair/typebox/value';
import { Errors } from '../errors.ts';
import {
  type CoverageRules,
  type LifecycleEvent,
  OperatorApplication,
  type ProgramProblem,
  SERVING_STATES,
  allowedEvents,
  applicationNotes,
  applicationProblems,
  funnel,
  regionCoverage,
  transition,
} from '../program/index.ts';
import { TIERS } from '../sla/budget.ts';
import { type ApplicationRow, insertApplication, listApplications } from '../stores/applications.ts';
import { applicantHistories, operatorLifecycle, operatorsInRegions, storeMove, transitionsOf } from '../stores/lifecycle.ts';
import { resolveOperator } from '../stores/operators.ts';
import {
  type PartnerRow,
  type ReferralRow,
  insertPartner,
  insertReferral,
  listPartners,
  partnerIdByCode,
  partnerReferrals,
  resolvePartner,
} from '../stores/partners.ts';

/** A 400 listing every problem (`details`), each with its path and code. */
export function problemsError(what: string, problems: ProgramProblem[]): Error {
  return new Errors.BadRequest(`${what}: ${problems.map((p) => `${p.path} [${p.code}] ${p.message}`).join('; ')}`, problems);
}

/** The `status` column the rest of the collector reads: active while serving. */
const plainStatus = (state: string) => ((SERVING_STATES as readonly string[]).includes(state) ? 'active' : state);

export class ProgramOperators {
  private readonly sql: postgres.Sql;
  constructor(sql: postgres.Sql) {
    this.sql = sql;
  }

  /**
   * A submitted application: every problem listed (the form's and an unknown referral code), else an
   * operator in state `application`, the application, and the referral when a partner's code was given.
   */
  async submit(raw: unknown, now: number): Promise<{ id: number; operator: string; notes: ProgramProblem[] }> {
    const problems = applicationProblems(raw);
    const code = typeof raw === 'object' && raw !== null && 'referralCode' in raw ? raw.referralCode : undefined;
    const partnerId = typeof code === 'string' ? await partnerIdByCode(this.sql, code) : undefined;
    if (typeof code === 'string' && partnerId === undefined && !problems.some((p) => p.path === 'referralCode'))
      problems.push({ path: 'referralCode', code: 'unknown_referral_code', message: `no partner has the referral code ${code}` });
    if (problems.length || !isApplication(raw)) throw problemsError('the application has problems', problems);
    const notes = applicationNotes(raw);
    return this.sql.begin(async (sql) => {
      const a = await insertApplication(sql, { application: raw, notes, partnerId: partnerId ?? null, at: now });
      if (partnerId !== undefined)
        await insertReferral(sql, { partnerId, operatorId: a.operatorId, at: now, by: 'application', applicationId: a.id });
      return { id: a.id, operator: a.operator, notes };
    });
  }

  /** Applications, newest first; `open` keeps those still in the pipeline before probation (the review queue). */
  applications(open: boolean): Promise<ApplicationRow[]> {
    return listApplications(this.sql, open);
  }

  /** The funnel over every operator who came through an application. */
  async funnel() {
    return funnel(await applicantHistories(this.sql));
  }

  /** An operator's status, the events allowed now, and every move so far. */
  async lifecycle(ref: string) {
    const op = await operatorLifecycle(this.sql, ref, false);
    const history = await transitionsOf(this.sql, op.id);
    return { operator: op.name, status: op.status, allowedEvents: allowedEvents(op.status.state), history };
  }

  /** Apply one lifecycle event (who, why, when: `at`, default now). Refusals list every problem. */
  async move(ref: string, event: LifecycleEvent, meta: { by: string; reason: string; at: number }) {
    return this.sql.begin(async (sql) => {
      const op = await operatorLifecycle(sql, ref, true);
      const r = transition(op.status, event, meta);
      if (!r.ok) throw problemsError(`operator "${op.name}" cannot ${event?.type ?? 'move'}`, r.problems);
      const s = r.status;
      const ev = r.record.event;
      await storeMove(sql, op.id, {
        status: s,
        tier: (TIERS as readonly string[]).includes(s.state) ? s.state : op.tier,
        plainStatus: plainStatus(s.state),
        record: r.record,
        reasonCode: ev.type === 'reject' ? ev.reason : ev.type === 'exit' ? (ev.termination ?? null) : null,
      });
      return { operator: op.name, status: s, record: r.record, allowedEvents: allowedEvents(s.state) };
    });
  }

  async addPartner(p: { name: string; referralCode: string }, by: string, now: number): Promise<PartnerRow> {
    if (!(await insertPartner(this.sql, p, by, now)))
      throw new Errors.Conflict(`a partner named "${p.name}" or with the code ${p.referralCode} exists already`);
    return (await this.partners(p.name))[0]!;
  }

  partners(name?: string): Promise<PartnerRow[]> {
    return listPartners(this.sql, name);
  }

  /** A partner and the operators they referred (with each one's state now). */
  async partner(ref: string): Promise<{ partner: PartnerRow; referrals: ReferralRow[] }> {
    const partner = (await this.partners((await resolvePartner(this.sql, ref)).name))[0]!;
    return { partner, referrals: await partnerReferrals(this.sql, partner.id) };
  }

  /** Record that a partner referred an operator (one partner per operator). */
  async refer(partnerRef: string, operatorRef: string, at: number, by: string): Promise<void> {
    const partner = await resolvePartner(this.sql, partnerRef);
    const op = await resolveOperator(this.sql, operatorRef);
    if (!(await insertReferral(this.sql, { partnerId: partner.id, operatorId: op.id, at, by })))
      throw new Errors.Conflict(`operator "${op.name}" has a referring partner already`);
  }

  /** Active operators per region against the requirement (two by default); regions with nobody are listed when configured. */
  async coverage(rules: Partial<CoverageRules> = {}) {
    return regionCoverage(await operatorsInRegions(this.sql), rules);
  }
}

const isApplication = (raw: unknown): raw is OperatorApplication => Value.Check(OperatorApplication, raw);
