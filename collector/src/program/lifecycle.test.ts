import { describe, expect, it } from 'vitest';
import {
  allowedEvents,
  DEFAULT_LIFECYCLE_RULES,
  LIFECYCLE_STATES,
  statusFromHistory,
  transition,
  type LifecycleEvent,
  type LifecycleState,
  type OperatorStatus,
  type TransitionRecord,
} from './lifecycle.ts';

const T0 = Date.parse('2027-03-01T09:00:00Z');
const DAY = 86_400_000;
const meta = (at = T0 + DAY) => ({ by: 'admin:ada', at, reason: 'decided at the weekly review' });
const st = (state: LifecycleState, extra: Partial<OperatorStatus> = {}): OperatorStatus => ({ state, since: T0, ...extra });

describe('transition: every allowed move', () => {
  // [from, event, to] worked by hand from the program's pathway.
  const allowed: Array<[OperatorStatus, LifecycleEvent, LifecycleState]> = [
    [st('application'), { type: 'start_screening' }, 'screening'],
    [st('screening'), { type: 'pass_screening' }, 'technical_review'],
    [st('technical_review'), { type: 'pass_technical_review' }, 'training'],
    [st('training'), { type: 'complete_training' }, 'exam'],
    [st('exam'), { type: 'record_exam', scorePct: 80 }, 'probation'],
    [st('exam'), { type: 'record_exam', scorePct: 100 }, 'probation'],
    [st('exam'), { type: 'record_exam', scorePct: 79.9 }, 'exam'],
    [st('probation'), { type: 'complete_probation', uptimePct: 99.5 }, 'certified'],
    [st('certified'), { type: 'promote' }, 'senior'],
    [st('senior'), { type: 'promote' }, 'fleet_lead'],
    [st('senior'), { type: 'demote' }, 'certified'],
    [st('fleet_lead'), { type: 'demote' }, 'senior'],
    ...(['application', 'screening', 'technical_review', 'training', 'exam', 'probation'] as const).map(
      (s): [OperatorStatus, LifecycleEvent, LifecycleState] => [st(s), { type: 'reject', reason: 'exam_failed' }, 'rejected'],
    ),
    ...(['probation', 'certified', 'senior', 'fleet_lead'] as const).map((s): [OperatorStatus, LifecycleEvent, LifecycleState] => [
      st(s),
      { type: 'suspend' },
      'suspended',
    ]),
    [st('suspended', { suspendedFrom: 'senior' }), { type: 'reinstate' }, 'senior'],
    [st('suspended', { suspendedFrom: 'probation' }), { type: 'reinstate' }, 'probation'],
    ...(['probation', 'certified', 'senior', 'fleet_lead', 'suspended'] as const).map(
      (s): [OperatorStatus, LifecycleEvent, LifecycleState] => [st(s), { type: 'exit', lastActiveDay: '2027-03-31' }, 'exited'],
    ),
    [st('rejected', { rejection: 'no_capacity' }), { type: 'reapply' }, 'application'],
    [st('exited', { lastActiveDay: '2027-03-01' }), { type: 'reapply' }, 'application'],
  ];

  it.each(allowed.map(([from, ev, to]) => ({ name: `${from.state} --${ev.type}--> ${to}`, from, ev, to })))('$name', ({ from, ev, to }) => {
    const m = meta(T0 + 31 * DAY);
    const r = transition(from, ev, m);
    expect(r).toMatchObject({
      ok: true,
      status: { state: to },
      record: { from: from.state, to, event: ev, by: m.by, at: m.at, reason: m.reason },
    });
    if (r.ok && to !== from.state) expect(r.status.since).toBe(m.at);
  });

  it('the table above covers every move the machine allows', () => {
    const tested = new Set(allowed.map(([from, ev]) => `${from.state}:${ev.type}`));
    const machine = LIFECYCLE_STATES.flatMap((s) => allowedEvents(s).map((e) => `${s}:${e}`));
    expect([...tested].sort()).toEqual([...new Set(machine)].sort());
  });
});

describe('transition: what each move records in the status', () => {
  it('a suspension remembers the state to return to, and reinstatement returns there', () => {
    const s = transition(st('senior'), { type: 'suspend' }, meta());
    expect(s.ok && s.status).toEqual({ state: 'suspended', since: T0 + DAY, suspendedFrom: 'senior' });
    const back = s.ok ? transition(s.status, { type: 'reinstate' }, meta(T0 + 5 * DAY)) : s;
    expect(back.ok && back.status).toEqual({ state: 'senior', since: T0 + 5 * DAY });
  });

  it('an exit records the last active day and the termination reason', () => {
    const r = transition(st('certified'), { type: 'exit', lastActiveDay: '2027-03-14', termination: 'security_breach' }, meta());
    expect(r.ok && r.status).toEqual({ state: 'exited', since: T0 + DAY, lastActiveDay: '2027-03-14', termination: 'security_breach' });
  });

  it('a rejection records its reason', () => {
    const r = transition(st('screening'), { type: 'reject', reason: 'hardware_below_minimum' }, meta());
    expect(r.ok && r.status).toEqual({ state: 'rejected', since: T0 + DAY, rejection: 'hardware_below_minimum' });
  });

  it('a failed exam keeps the state and its start, and is recorded', () => {
    const r = transition(st('exam'), { type: 'record_exam', scorePct: 72 }, meta());
    expect(r).toMatchObject({
      ok: true,
      status: { state: 'exam', since: T0 },
      record: { from: 'exam', to: 'exam', event: { scorePct: 72 } },
    });
  });

  it.each([
    [90, 85, 'exam'],
    [90, 90, 'probation'],
    [70, 75, 'probation'],
  ] as const)('pass mark %i %%: a score of %i %% → %s', (examPassPct, scorePct, to) => {
    const r = transition(st('exam'), { type: 'record_exam', scorePct }, meta(), { ...DEFAULT_LIFECYCLE_RULES, examPassPct });
    expect(r.ok && r.status.state).toBe(to);
  });
});

describe('transition: refusals list every reason', () => {
  const refused: Array<[string, OperatorStatus, LifecycleEvent, number, Array<[string, string]>]> = [
    ['screening skipped', st('application'), { type: 'pass_screening' }, T0 + DAY, [['event.type', 'not_allowed_from_state']]],
    ['exam before training', st('training'), { type: 'record_exam', scorePct: 95 }, T0 + DAY, [['event.type', 'not_allowed_from_state']]],
    ['no tier above fleet lead', st('fleet_lead'), { type: 'promote' }, T0 + DAY, [['event.type', 'not_allowed_from_state']]],
    ['no tier below certified', st('certified'), { type: 'demote' }, T0 + DAY, [['event.type', 'not_allowed_from_state']]],
    [
      'a certified operator is not rejected (they exit)',
      st('certified'),
      { type: 'reject', reason: 'unresponsive' },
      T0 + DAY,
      [['event.type', 'not_allowed_from_state']],
    ],
    ['an exited operator cannot be suspended', st('exited'), { type: 'suspend' }, T0 + DAY, [['event.type', 'not_allowed_from_state']]],
    ['a rejected applicant is not reinstated', st('rejected'), { type: 'reinstate' }, T0 + DAY, [['event.type', 'not_allowed_from_state']]],
    [
      'an applicant does not exit',
      st('application'),
      { type: 'exit', lastActiveDay: '2027-03-02' },
      T0 + DAY,
      [['event.type', 'not_allowed_from_state']],
    ],
    [
      'probation one ms short of 30 days',
      st('probation'),
      { type: 'complete_probation', uptimePct: 100 },
      T0 + 30 * DAY - 1,
      [['meta.at', 'probation_not_over']],
    ],
    [
      'probation uptime just below 99.5 %',
      st('probation'),
      { type: 'complete_probation', uptimePct: 99.49 },
      T0 + 30 * DAY,
      [['event.uptimePct', 'probation_uptime_below_target']],
    ],
    ['probation without its uptime', st('probation'), { type: 'complete_probation' }, T0 + 30 * DAY, [['event.uptimePct', 'missing']]],
    [
      'probation both short and below target',
      st('probation'),
      { type: 'complete_probation', uptimePct: 97 },
      T0 + DAY,
      [
        ['meta.at', 'probation_not_over'],
        ['event.uptimePct', 'probation_uptime_below_target'],
      ],
    ],
    ['score above 100', st('exam'), { type: 'record_exam', scorePct: 101 }, T0 + DAY, [['event.scorePct', 'out_of_range']]],
    [
      'last active day before the state began',
      st('certified'),
      { type: 'exit', lastActiveDay: '2027-02-28' },
      T0 + DAY,
      [['event.lastActiveDay', 'before_current_state']],
    ],
    [
      'last active day two days before a suspension',
      st('suspended', { suspendedFrom: 'certified' }),
      { type: 'exit', lastActiveDay: '2027-02-27' },
      T0 + DAY,
      [['event.lastActiveDay', 'before_current_state']],
    ],
    ['no such day', st('certified'), { type: 'exit', lastActiveDay: '2027-02-30' }, T0 + DAY, [['event.lastActiveDay', 'bad_format']]],
    [
      'terminated: reapplies after 5 months',
      st('exited', { lastActiveDay: '2027-03-01', termination: 'credential_exposure' }),
      { type: 'reapply' },
      Date.parse('2027-08-31T23:59:59Z'),
      [['meta.at', 'reapply_too_soon']],
    ],
    [
      'a rejection reason not on the list',
      st('screening'),
      { type: 'reject', reason: 'does not like them' } as unknown as LifecycleEvent,
      T0 + DAY,
      [['event.reason', 'not_allowed']],
    ],
    [
      'a termination reason not on the list',
      st('certified'),
      { type: 'exit', lastActiveDay: '2027-03-02', termination: 'other' } as unknown as LifecycleEvent,
      T0 + DAY,
      [['event.termination', 'not_allowed']],
    ],
    [
      'an event with a field it does not have',
      st('certified'),
      { type: 'promote', to: 'fleet_lead' } as unknown as LifecycleEvent,
      T0 + DAY,
      [['event.to', 'unknown_field']],
    ],
    ['an unknown event', st('certified'), { type: 'retire' } as unknown as LifecycleEvent, T0 + DAY, [['event.type', 'unknown_event']]],
    [
      'an event named like an object property',
      st('certified'),
      { type: 'constructor' } as unknown as LifecycleEvent,
      T0 + DAY,
      [['event.type', 'unknown_event']],
    ],
    [
      'a suspension that does not say what it interrupted',
      st('suspended'),
      { type: 'reinstate' },
      T0 + DAY,
      [['current.suspendedFrom', 'missing']],
    ],
    [
      'a move dated before the current state began',
      st('training'),
      { type: 'complete_training' },
      T0 - 1,
      [['meta.at', 'before_current_state']],
    ],
  ];
  it.each(refused.map(([name, from, ev, at, problems]) => ({ name, from, ev, at, problems })))('$name', ({ from, ev, at, problems }) => {
    const r = transition(from, ev, meta(at));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => [p.path, p.code])).toEqual(problems);
  });

  it('probation completes at exactly 30 days, at exactly the uptime target', () => {
    expect(transition(st('probation'), { type: 'complete_probation', uptimePct: 99.5 }, meta(T0 + 30 * DAY)).ok).toBe(true);
  });

  it('with no uptime target, probation completes on time alone', () => {
    expect(
      transition(st('probation'), { type: 'complete_probation' }, meta(T0 + 30 * DAY), {
        ...DEFAULT_LIFECYCLE_RULES,
        probationUptimePct: null,
      }).ok,
    ).toBe(true);
  });

  it('a terminated operator may apply again 6 months after the last active day', () => {
    expect(
      transition(
        st('exited', { lastActiveDay: '2027-03-01', termination: 'credential_exposure' }),
        { type: 'reapply' },
        meta(Date.parse('2027-09-01T00:00:00Z')),
      ).ok,
    ).toBe(true);
  });

  it('who, when, why and the state are all reported at once', () => {
    const r = transition(st('application'), { type: 'promote' }, { by: ' ', at: T0 - 1, reason: 'bad\u0000text' });
    expect(!r.ok && r.problems.map((p) => `${p.path}:${p.code}`)).toEqual([
      'meta.by:missing',
      'meta.reason:nul_byte',
      'meta.at:before_current_state',
      'event.type:not_allowed_from_state',
    ]);
  });
});

describe('statusFromHistory', () => {
  it('replays the records of a whole career to the status the moves produced', () => {
    const events: LifecycleEvent[] = [
      { type: 'start_screening' },
      { type: 'pass_screening' },
      { type: 'pass_technical_review' },
      { type: 'complete_training' },
      { type: 'record_exam', scorePct: 60 },
      { type: 'record_exam', scorePct: 88 },
      { type: 'complete_probation', uptimePct: 99.9 },
      { type: 'promote' },
      { type: 'suspend' },
      { type: 'reinstate' },
      { type: 'exit', lastActiveDay: '2028-01-31' },
    ];
    let status: OperatorStatus = { state: 'application', since: T0 };
    const history: TransitionRecord[] = [];
    let at = T0;
    for (const ev of events) {
      at += 31 * DAY;
      const r = transition(status, ev, meta(at));
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      status = r.status;
      history.push(r.record);
    }
    expect(status).toEqual({ state: 'exited', since: at, lastActiveDay: '2028-01-31' });
    expect(history.map((h) => h.to).join(' ')).toBe(
      'screening technical_review training exam exam probation certified senior suspended senior exited',
    );
    expect(statusFromHistory(history, T0)).toEqual(status);
  });
});
