/**
 * An operator's lifecycle, as a pure state machine:
 *
 *   application → screening → technical_review → training → exam → probation → certified ⇄ senior ⇄ fleet_lead
 *
 * with `rejected` from any step before certification, `suspended` (and back) and `exited` from any
 * serving state, and a new application after a rejection or an exit. `transition` returns the new
 * status and the record of who moved it, when and why, or a refusal listing every reason it is not
 * allowed. The caller stores both; nothing here reads a clock (`meta.at` is the moment of the move).
 */
import { Type, type Static } from '@sinclair/typebox';
import { literals, strict } from './schema.ts';
import { addMonths, DAY_MS, dayOf, dayStart } from '../pay/month.ts';
import { DayId, EpochMs } from '../pay/statement.ts';
import { dayProblems, problemChecker, textProblem, type ProgramProblem } from './problems.ts';
import { RejectionReason, TerminationReason } from './reasons.ts';

export const LIFECYCLE_STATES = [
  'application',
  'screening',
  'technical_review',
  'training',
  'exam',
  'probation',
  'certified',
  'senior',
  'fleet_lead',
  'suspended',
  'exited',
  'rejected',
] as const;
export const LifecycleState = literals(LIFECYCLE_STATES);
export type LifecycleState = Static<typeof LifecycleState>;

/** The states of an operator who runs production nodes: counted for coverage, may be suspended or exit. */
export const SERVING_STATES = ['probation', 'certified', 'senior', 'fleet_lead'] as const;
export const ServingState = literals(SERVING_STATES);
export type ServingState = Static<typeof ServingState>;

/** The steps before certification, in order: what the application funnel counts. */
export const PIPELINE_STATES = ['application', 'screening', 'technical_review', 'training', 'exam', 'probation'] as const;

/** The tiers above probation, lowest first: promotion and demotion move one step. */
const TIERS = ['certified', 'senior', 'fleet_lead'] as const;

export const OperatorStatus = Type.Object(
  {
    state: LifecycleState,
    /** When the operator entered this state (ms epoch). */
    since: EpochMs,
    /** While suspended: the state a reinstatement returns to. */
    suspendedFrom: Type.Optional(ServingState),
    /** Once exited: the last day the operator was active (and is paid through). */
    lastActiveDay: Type.Optional(DayId),
    /** Once exited for cause. */
    termination: Type.Optional(TerminationReason),
    /** Once rejected. */
    rejection: Type.Optional(RejectionReason),
  },
  strict,
);
export type OperatorStatus = Static<typeof OperatorStatus>;

const event = <T extends string>(type: T) => Type.Object({ type: Type.Literal(type) }, strict);
export const LifecycleEvent = Type.Union([
  event('start_screening'),
  event('pass_screening'),
  event('pass_technical_review'),
  event('complete_training'),
  /** The exam's score: at or above the pass mark moves to probation, below stays at exam (recorded). */
  Type.Object({ type: Type.Literal('record_exam'), scorePct: Type.Number({ minimum: 0, maximum: 100 }) }, strict),
  /** `uptimePct`: the operator's measured uptime over the probation (UP / (UP + DOWN)). */
  Type.Object({ type: Type.Literal('complete_probation'), uptimePct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })) }, strict),
  event('promote'),
  event('demote'),
  Type.Object({ type: Type.Literal('reject'), reason: RejectionReason }, strict),
  event('suspend'),
  event('reinstate'),
  /** Without `termination` the exit is voluntary. */
  Type.Object({ type: Type.Literal('exit'), lastActiveDay: DayId, termination: Type.Optional(TerminationReason) }, strict),
  event('reapply'),
]);
export type LifecycleEvent = Static<typeof LifecycleEvent>;
export type LifecycleEventType = LifecycleEvent['type'];

/** Who moved the operator, when, and why (free text; the reason codes live in the event). */
export const TransitionMeta = Type.Object(
  { by: Type.String({ minLength: 1, maxLength: 200 }), at: EpochMs, reason: Type.String({ minLength: 1, maxLength: 2000 }) },
  strict,
);
export type TransitionMeta = Static<typeof TransitionMeta>;

export const TransitionRecord = Type.Object(
  {
    from: LifecycleState,
    to: LifecycleState,
    event: LifecycleEvent,
    by: TransitionMeta.properties.by,
    at: EpochMs,
    reason: TransitionMeta.properties.reason,
  },
  strict,
);
export type TransitionRecord = Static<typeof TransitionRecord>;

export interface LifecycleRules {
  /** The exam's pass mark in percent (at or above passes). */
  examPassPct: number;
  /** Days of probation before certification. */
  probationDays: number;
  /** The uptime a probation must reach (at or above) to complete; null: not checked here. */
  probationUptimePct: number | null;
  /** Months an operator exited for cause waits before applying again. */
  reapplyAfterTerminationMonths: number;
}
export const DEFAULT_LIFECYCLE_RULES: LifecycleRules = {
  examPassPct: 80,
  probationDays: 30,
  probationUptimePct: 99.5,
  reapplyAfterTerminationMonths: 6,
};

export type TransitionResult = { ok: true; status: OperatorStatus; record: TransitionRecord } | { ok: false; problems: ProgramProblem[] };

type Move<E extends LifecycleEventType> = {
  from: readonly LifecycleState[];
  to: (cur: OperatorStatus, ev: Extract<LifecycleEvent, { type: E }>, rules: LifecycleRules) => LifecycleState;
};
const step = (to: LifecycleState) => () => to;
const tierStep = (delta: number) => (cur: OperatorStatus) => TIERS[TIERS.indexOf(cur.state as (typeof TIERS)[number]) + delta]!;
const BEFORE_CERTIFIED = PIPELINE_STATES;
const LEAVING = [...SERVING_STATES, 'suspended'] as const;

/** The one table of allowed moves. */
const MOVES: { [E in LifecycleEventType]: Move<E> } = {
  start_screening: { from: ['application'], to: step('screening') },
  pass_screening: { from: ['screening'], to: step('technical_review') },
  pass_technical_review: { from: ['technical_review'], to: step('training') },
  complete_training: { from: ['training'], to: step('exam') },
  record_exam: { from: ['exam'], to: (_c, ev, rules) => (ev.scorePct >= rules.examPassPct ? 'probation' : 'exam') },
  complete_probation: { from: ['probation'], to: step('certified') },
  promote: { from: ['certified', 'senior'], to: tierStep(1) },
  demote: { from: ['senior', 'fleet_lead'], to: tierStep(-1) },
  reject: { from: BEFORE_CERTIFIED, to: step('rejected') },
  suspend: { from: SERVING_STATES, to: step('suspended') },
  reinstate: { from: ['suspended'], to: (cur) => cur.suspendedFrom! },
  exit: { from: LEAVING, to: step('exited') },
  reapply: { from: ['rejected', 'exited'], to: step('application') },
};

/** The events allowed from a state (for a user interface's buttons). */
export function allowedEvents(state: LifecycleState): LifecycleEventType[] {
  return (Object.keys(MOVES) as LifecycleEventType[]).filter((e) => MOVES[e].from.includes(state));
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Why this event cannot happen now, beyond the state table (dates, waits, bounds). */
function eventProblems(cur: OperatorStatus, ev: LifecycleEvent, at: number, rules: LifecycleRules): ProgramProblem[] {
  switch (ev.type) {
    case 'complete_probation': {
      const out: ProgramProblem[] = [];
      const ends = cur.since + rules.probationDays * DAY_MS;
      if (at < ends)
        out.push({
          path: 'meta.at',
          code: 'probation_not_over',
          message: `probation of ${rules.probationDays} days started ${iso(cur.since)} and ends ${iso(ends)}`,
        });
      const target = rules.probationUptimePct;
      if (target !== null && ev.uptimePct === undefined)
        out.push({ path: 'event.uptimePct', code: 'missing', message: `the probation's measured uptime is needed (target ${target} %)` });
      else if (target !== null && ev.uptimePct! < target)
        out.push({
          path: 'event.uptimePct',
          code: 'probation_uptime_below_target',
          message: `${ev.uptimePct} % over the probation, below the target of ${target} %`,
        });
      return out;
    }
    case 'exit': {
      const bad = dayProblems(ev.lastActiveDay, 'event.lastActiveDay');
      if (bad.length) return bad;
      const day = dayStart(ev.lastActiveDay);
      // A suspended operator's last active day may be the day before the suspension.
      const earliest = dayStart(dayOf(cur.since)) - (cur.state === 'suspended' ? DAY_MS : 0);
      return day >= earliest
        ? []
        : [
            {
              path: 'event.lastActiveDay',
              code: 'before_current_state',
              message: `${ev.lastActiveDay} is before ${dayOf(earliest)}, the earliest last active day from ${cur.state} since ${iso(cur.since)}`,
            },
          ];
    }
    case 'reinstate':
      return cur.suspendedFrom !== undefined
        ? []
        : [{ path: 'current.suspendedFrom', code: 'missing', message: 'the status does not say which state the suspension interrupted' }];
    case 'reapply': {
      if (cur.state !== 'exited' || cur.termination === undefined) return [];
      const from = addMonths(cur.lastActiveDay ?? dayOf(cur.since), rules.reapplyAfterTerminationMonths);
      return at >= dayStart(from)
        ? []
        : [{ path: 'meta.at', code: 'reapply_too_soon', message: `exited for cause (${cur.termination}): may apply again from ${from}` }];
    }
    default:
      return [];
  }
}

function metaProblems(cur: OperatorStatus, meta: TransitionMeta): ProgramProblem[] {
  const out: ProgramProblem[] = [];
  for (const field of ['by', 'reason'] as const) {
    const text = meta[field];
    if (typeof text !== 'string' || text.trim() === '')
      out.push({
        path: `meta.${field}`,
        code: 'missing',
        message: field === 'by' ? 'every transition records who made it' : 'every transition records why',
      });
    else if (text.length > TransitionMeta.properties[field].maxLength!)
      out.push({ path: `meta.${field}`, code: 'too_long', message: `at most ${TransitionMeta.properties[field].maxLength} characters` });
    else {
      const bad = textProblem(text);
      if (bad) out.push({ path: `meta.${field}`, ...bad });
    }
  }
  if (!Number.isSafeInteger(meta.at) || meta.at < 0)
    out.push({ path: 'meta.at', code: 'wrong_type', message: 'a time in ms since the epoch' });
  else if (meta.at < cur.since)
    out.push({
      path: 'meta.at',
      code: 'before_current_state',
      message: `${iso(meta.at)} is before the current state began (${iso(cur.since)})`,
    });
  return out;
}

function nextStatus(cur: OperatorStatus, ev: LifecycleEvent, to: LifecycleState, at: number): OperatorStatus {
  if (to === cur.state) return cur;
  const next: OperatorStatus = { state: to, since: at };
  if (to === 'suspended') next.suspendedFrom = cur.state as ServingState;
  if (ev.type === 'exit') {
    next.lastActiveDay = ev.lastActiveDay;
    if (ev.termination !== undefined) next.termination = ev.termination;
  }
  if (ev.type === 'reject') next.rejection = ev.reason;
  return next;
}

/** One checker per event type, so an event's problems are named by field (a union would only say "no variant matched"). */
const EVENT_CHECKERS = new Map(LifecycleEvent.anyOf.map((variant) => [variant.properties.type.const as string, problemChecker(variant)]));

/** Apply `event` to `current` at `meta.at` by `meta.by` for `meta.reason`. Lists every reason for a refusal. */
export function transition(
  current: OperatorStatus,
  ev: LifecycleEvent,
  meta: TransitionMeta,
  rules: LifecycleRules = DEFAULT_LIFECYCLE_RULES,
): TransitionResult {
  const move = Object.hasOwn(MOVES, ev?.type) ? (MOVES[ev.type] as Move<LifecycleEventType>) : undefined;
  if (!move)
    return {
      ok: false,
      problems: [
        {
          path: 'event.type',
          code: 'unknown_event',
          message: `unknown event ${JSON.stringify(ev?.type)} (events: ${Object.keys(MOVES).join(', ')})`,
        },
      ],
    };
  const problems = metaProblems(current, meta);
  const shape = EVENT_CHECKERS.get(ev.type)!
    .problems(ev)
    .map((p) => ({ ...p, path: `event.${p.path}` }));
  problems.push(...shape);
  if (!move.from.includes(current.state)) {
    problems.push({
      path: 'event.type',
      code: 'not_allowed_from_state',
      message: `cannot ${ev.type} from ${current.state} (allowed from: ${move.from.join(', ')})`,
    });
  } else if (shape.length === 0) {
    problems.push(...eventProblems(current, ev, meta.at, rules));
  }
  if (problems.length) return { ok: false, problems };
  const to = move.to(current, ev as never, rules);
  return {
    ok: true,
    status: nextStatus(current, ev, to, meta.at),
    record: { from: current.state, to, event: ev, by: meta.by, at: meta.at, reason: meta.reason },
  };
}

/** The status a history of records leads to (the first state is `application` at `startedAt`). */
export function statusFromHistory(history: readonly TransitionRecord[], startedAt: number): OperatorStatus {
  let status: OperatorStatus = { state: 'application', since: startedAt };
  for (const r of history) status = nextStatus(status, r.event, r.to, r.at);
  return status;
}
