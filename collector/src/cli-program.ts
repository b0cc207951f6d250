/**
 * The operator program's CLI commands (people and their tokens, applications and the lifecycle),
 * merged into cli.ts's command table. They run the same services as the API, directly against the
 * database: a refused move lists every problem with its FLEET_ code (exit 1), a malformed command is
 * a usage error (exit 2) before anything is loaded.
 */
import { userInfo } from 'node:os';
import type postgres from 'postgres';
import type { Config } from './config.ts';

type WithSql = <T>(config: Config, fn: (sql: postgres.Sql) => Promise<T>) => Promise<T>;
interface Values {
  role?: string;
  operator?: string;
  partner?: string;
  email?: string;
  label?: string;
  'ttl-days'?: string;
  person?: string;
  reason?: string;
  code?: string;
  score?: string;
  uptime?: string;
  'last-active-day'?: string;
  at?: string;
  all?: boolean;
}

export const PROGRAM_HELP = `  person add <name> --role R [--operator O | --partner P] [--email E]
                                         add a person (R: admin, fleet_lead, finance, operator, partner)
  person list                            every person and their role
  token issue <person> [--ttl-days N] [--label L]
                                         a person token (tfp_…), printed once; default 90 days
  token list [--person P]                tokens: prefix, role, expiry, revocation, last use (never the token)
  token revoke <id>                      revoke a token at once
  application list [--all]               the review queue (application through exam; --all every one), newest first
  application show <id>                  one application: the form, the reviewer notes, the applicant's lifecycle
  application approve <id> --reason R [--score P]
                                         move the applicant one step on (screening, technical review, training,
                                         exam; at the exam --score P records the score, pass mark 80 %)
  application reject <id> --code C --reason R
                                         turn it down; C from the fixed list (exam_failed, no_capacity, …;
                                         a wrong one is refused with the list)
  application funnel                     per state: applicants in it now and ever; rejections by reason
  operator lifecycle <operator>          the state, the moves allowed now, and every move (who, when, why)
  operator <event> <operator> --reason R [--code C] [--score P] [--uptime P] [--last-active-day D] [--at T]
                                         move an operator: start-screening, pass-screening, pass-technical-review,
                                         complete-training, record-exam --score P, complete-probation --uptime P,
                                         promote, demote, reject --code C, suspend, reinstate,
                                         exit --last-active-day YYYY-MM-DD [--code TERMINATION], reapply`;

export const PROGRAM_OPTIONS = {
  role: { type: 'string' },
  partner: { type: 'string' },
  email: { type: 'string' },
  label: { type: 'string' },
  'ttl-days': { type: 'string' },
  person: { type: 'string' },
  code: { type: 'string' },
  score: { type: 'string' },
  uptime: { type: 'string' },
  'last-active-day': { type: 'string' },
  all: { type: 'boolean' },
} as const;

const by = () => `cli:${userInfo().username}`;
const iso = (d: Date | null) => (d === null ? '-' : d.toISOString());

async function services(sql: postgres.Sql) {
  const { createProgramServices } = await import('./services/program.ts');
  return createProgramServices(sql);
}
const people = async (sql: postgres.Sql) => (await services(sql)).people;
const operators = async (sql: postgres.Sql) => (await services(sql)).operators;

const badRequest = async (message: string): Promise<never> => {
  throw new (await import('./errors.ts')).Errors.BadRequest(message);
};
const dashed = (t: string) => t.replace(/_/g, '-');

/** The options each move takes beyond --reason and --at; any other is refused rather than ignored. */
const EVENT_OPTIONS: Record<string, Array<'score' | 'uptime' | 'code' | 'last-active-day'>> = {
  record_exam: ['score'],
  complete_probation: ['uptime'],
  reject: ['code'],
  exit: ['last-active-day', 'code'],
};

/**
 * The lifecycle event a command line names (`record-exam --score 86`), checked against the
 * lifecycle's schema: every problem is listed in one FLEET_BAD_REQUEST, with the codes to pick from.
 */
export async function eventOf(name: string, v: Values): Promise<import('./program/index.ts').LifecycleEvent> {
  const [{ Value }, p] = await Promise.all([import('@sinclair/typebox/value'), import('./program/index.ts')]);
  const type = name.replace(/-/g, '_');
  const known = p.LifecycleEvent.anyOf.map((s) => s.properties.type.const as string);
  if (!known.includes(type)) return badRequest(`no move "${name}"; the moves: ${known.map(dashed).join(', ')}`);
  const problems: string[] = [];
  const takes = EVENT_OPTIONS[type] ?? [];
  for (const o of ['score', 'uptime', 'code', 'last-active-day'] as const)
    if (v[o] !== undefined && !takes.includes(o)) problems.push(`--${o} does not apply to ${dashed(type)}`);
  const pct = (o: 'score' | 'uptime') => {
    const raw = v[o];
    if (raw === undefined) return undefined;
    const n = /^\d{1,3}(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(n >= 0 && n <= 100)) problems.push(`--${o} must be a percentage from 0 to 100, not "${raw}"`);
    return n;
  };
  const ev: Record<string, unknown> = { type };
  if (type === 'record_exam') {
    const score = pct('score');
    if (v.score === undefined) problems.push("record-exam needs --score P (the exam's score in percent; 80 passes)");
    ev.scorePct = score;
  }
  if (type === 'complete_probation' && v.uptime !== undefined) ev.uptimePct = pct('uptime');
  if (type === 'reject') {
    if (v.code === undefined || !(p.REJECTION_REASONS as readonly string[]).includes(v.code))
      problems.push(`reject needs --code, one of: ${p.REJECTION_REASONS.join(', ')}${v.code === undefined ? '' : ` (not "${v.code}")`}`);
    ev.reason = v.code;
  }
  if (type === 'exit') {
    const day = v['last-active-day'];
    if (day === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(day))
      problems.push(`exit needs --last-active-day YYYY-MM-DD (the last day paid)${day === undefined ? '' : `, not "${day}"`}`);
    ev.lastActiveDay = day;
    if (v.code !== undefined) {
      if (!(p.TERMINATION_REASONS as readonly string[]).includes(v.code))
        problems.push(`exit --code is a termination reason, one of: ${p.TERMINATION_REASONS.join(', ')} (not "${v.code}")`);
      ev.termination = v.code;
    }
  }
  if (problems.length || !Value.Check(p.LifecycleEvent, ev)) return badRequest(problems.join('; ') || `${name}: not a valid move`);
  return ev as import('./program/index.ts').LifecycleEvent;
}

/** When a move happened: --at (never in the future), else now. */
async function moveAt(at: string | undefined, now: number): Promise<number> {
  if (at === undefined) return now;
  const t = Date.parse(at);
  if (!Number.isFinite(t)) return badRequest(`--at is not a time: ${at}`);
  if (t > now) return badRequest('--at: a move cannot be dated in the future');
  return t;
}

/** What `application approve` does in each state before probation: the next step of the pipeline. */
const APPROVE: Record<string, string> = {
  application: 'start_screening',
  screening: 'pass_screening',
  technical_review: 'pass_technical_review',
  training: 'complete_training',
  exam: 'record_exam',
};

type Moved = Awaited<ReturnType<import('./services/program-operators.ts').ProgramOperators['move']>>;
const printMove = (m: Moved) =>
  console.log(
    `${m.operator}: ${m.record.from} → ${m.record.to} (${dashed(m.record.event.type)} by ${m.record.by} at ${new Date(m.record.at).toISOString()}: ${m.record.reason}); next: ${m.allowedEvents.map(dashed).join(', ') || 'nothing'}`,
  );

export function programCommands(withSql: WithSql) {
  return {
    person: {
      usage: 'person add <name> --role R [--operator O | --partner P] | person list',
      valid: (sub: string | undefined, arg: string | undefined, v: Values) => sub === 'list' || (sub === 'add' && !!arg && !!v.role),
      run: (config: Config, sub: string | undefined, arg: string | undefined, v: Values) =>
        withSql(config, async (sql) => {
          const svc = await people(sql);
          if (sub === 'list') {
            for (const p of await svc.people.list())
              console.log(
                `${String(p.id).padStart(5)}  ${p.name.padEnd(24)} ${p.role.padEnd(10)} ${p.operatorName ?? p.partnerName ?? ''}`,
              );
            return 0;
          }
          const { PERSON_ROLES } = await import('./program/index.ts');
          const role = PERSON_ROLES.find((r) => r === v.role);
          if (!role) throw Object.assign(new Error(`--role must be one of ${PERSON_ROLES.join(', ')}`), { code: 'FLEET_BAD_REQUEST' });
          const p = await svc.add(
            {
              name: arg!,
              role,
              ...(v.email ? { email: v.email } : {}),
              ...(v.operator ? { operator: v.operator } : {}),
              ...(v.partner ? { partner: v.partner } : {}),
            },
            by(),
            Date.now(),
          );
          console.log(`added ${p.role} "${p.name}" (id ${p.id})`);
          return 0;
        }),
    },
    token: {
      usage: 'token issue <person> [--ttl-days N] [--label L] | token list [--person P] | token revoke <id>',
      valid: (sub: string | undefined, arg: string | undefined, v: Values) =>
        sub === 'list' ||
        (sub === 'issue' && !!arg && (v['ttl-days'] === undefined || /^[1-9][0-9]{0,2}$/.test(v['ttl-days']))) ||
        (sub === 'revoke' && !!arg && /^[0-9]{1,9}$/.test(arg)),
      run: (config: Config, sub: string | undefined, arg: string | undefined, v: Values) =>
        withSql(config, async (sql) => {
          const svc = await people(sql);
          const now = Date.now();
          if (sub === 'issue') {
            const r = await svc.issueToken(
              arg!,
              { ...(v['ttl-days'] ? { ttlDays: Number(v['ttl-days']) } : {}), ...(v.label ? { label: v.label } : {}) },
              by(),
              now,
            );
            console.log(
              `token ${r.row.id} for ${r.row.personName} (${r.row.role}), expires ${iso(r.row.expiresAt)}; shown once:\n${r.token}`,
            );
            return 0;
          }
          if (sub === 'revoke') {
            const r = await svc.revokeToken(Number(arg), by(), now);
            console.log(r.changed ? `revoked token ${arg}` : `token ${arg} was revoked already (${iso(r.row.revokedAt)})`);
            return 0;
          }
          for (const t of await svc.listTokens(v.person))
            console.log(
              `${String(t.id).padStart(5)}  ${t.displayPrefix}…  ${t.personName.padEnd(20)} ${t.role.padEnd(10)} expires ${iso(t.expiresAt)}  revoked ${iso(t.revokedAt)}  last used ${iso(t.lastUsedAt)}`,
            );
          return 0;
        }),
    },
    application: {
      usage:
        'application list [--all] | application show <id> | application approve <id> --reason R [--score P] | application reject <id> --code C --reason R | application funnel',
      valid: (sub: string | undefined, arg: string | undefined, v: Values) =>
        ((sub === 'list' || sub === 'funnel') && arg === undefined) ||
        (sub === 'show' && /^[0-9]{1,9}$/.test(arg ?? '')) ||
        ((sub === 'approve' || sub === 'reject') && /^[0-9]{1,9}$/.test(arg ?? '') && !!v.reason),
      run: (config: Config, sub: string | undefined, arg: string | undefined, v: Values) =>
        withSql(config, async (sql) => {
          const program = await operators(sql);
          if (sub === 'funnel') {
            const f = await program.funnel();
            for (const s of f.stages)
              console.log(`${s.stage.padEnd(18)} now ${String(s.current).padStart(5)}  ever ${String(s.reached).padStart(5)}`);
            for (const [reason, n] of Object.entries(f.rejections)) if (n) console.log(`rejected: ${reason} ${n}`);
            return 0;
          }
          const list = await program.applications(sub === 'list' && v.all !== true);
          if (sub === 'list') {
            for (const a of list)
              console.log(
                `${String(a.id).padStart(6)}  ${a.operator.padEnd(20)} ${a.state.padEnd(17)} ${a.region.padEnd(14)} ${a.submittedAt.toISOString()}  ${a.partner ? `via ${a.partner}  ` : ''}${Array.isArray(a.notes) && a.notes.length ? `${a.notes.length} note(s)` : ''}`,
              );
            if (!list.length) console.log(v.all ? 'no applications' : 'the review queue is empty');
            return 0;
          }
          const a = list.find((x) => x.id === Number(arg));
          if (!a) throw new (await import('./errors.ts')).Errors.NotFound(`no application ${arg}`);
          if (sub === 'show') {
            const l = await program.lifecycle(a.operator);
            console.log(
              `application ${a.id}: ${a.operator} (${a.state} since ${new Date(l.status.since).toISOString()}), ${a.email}, ${a.region}, submitted ${a.submittedAt.toISOString()}${a.partner ? `, referred by ${a.partner}` : ''}`,
            );
            for (const n of Array.isArray(a.notes) ? (a.notes as Array<{ path: string; code: string; message: string }>) : [])
              console.log(`  note ${n.path} [${n.code}] ${n.message}`);
            console.log(`  moves allowed now: ${l.allowedEvents.map(dashed).join(', ') || 'none'}`);
            console.log(JSON.stringify(a.data, null, 2));
            return 0;
          }
          const next = sub === 'reject' ? 'reject' : APPROVE[a.state];
          if (!next)
            throw new (await import('./errors.ts')).Errors.Conflict(
              `application ${a.id} (${a.operator}) is in state ${a.state}: approve moves an applicant from application through the exam; use "operator <event> ${a.operator}" for the rest`,
            );
          const now = Date.now();
          const event = await eventOf(next, sub === 'reject' ? v : { ...v, code: undefined });
          printMove(await program.move(a.operator, event, { by: by(), reason: v.reason!, at: await moveAt(v.at, now) }));
          return 0;
        }),
    },
    operator: {
      usage:
        'operator lifecycle <operator> | operator <event> <operator> --reason R [--code C] [--score P] [--uptime P] [--last-active-day D] [--at T]',
      valid: (sub: string | undefined, arg: string | undefined, v: Values) =>
        !!sub && !!arg && (sub === 'lifecycle' || (/^[a-z][a-z_-]{2,40}$/.test(sub) && !!v.reason)),
      run: (config: Config, sub: string | undefined, arg: string | undefined, v: Values) =>
        withSql(config, async (sql) => {
          if (sub === 'lifecycle') {
            const l = await (await operators(sql)).lifecycle(arg!);
            console.log(
              `${l.operator}: ${l.status.state} since ${new Date(l.status.since).toISOString()}${l.status.rejection ? ` (rejected: ${l.status.rejection})` : ''}${l.status.termination ? ` (terminated: ${l.status.termination})` : ''}${l.status.lastActiveDay ? `, last active ${l.status.lastActiveDay}` : ''}`,
            );
            console.log(`moves allowed now: ${l.allowedEvents.map(dashed).join(', ') || 'none'}`);
            for (const h of l.history)
              console.log(`  ${new Date(h.at).toISOString()}  ${h.from} → ${h.to}  ${dashed(h.event.type)}  by ${h.by}: ${h.reason}`);
            return 0;
          }
          const event = await eventOf(sub!, v);
          const at = await moveAt(v.at, Date.now());
          printMove(await (await operators(sql)).move(arg!, event, { by: by(), reason: v.reason!, at }));
          return 0;
        }),
    },
  };
}
