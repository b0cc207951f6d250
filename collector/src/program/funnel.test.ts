import { describe, expect, it } from 'vitest';
import { funnel } from './funnel.ts';
import { transition, type LifecycleEvent, type OperatorStatus, type TransitionRecord } from './lifecycle.ts';

const T0 = Date.parse('2027-01-04T00:00:00Z');
const DAY = 86_400_000;

/** The records a person's events produce, one event every 31 days, through the real state machine. */
function history(...events: LifecycleEvent[]): TransitionRecord[] {
  let status: OperatorStatus = { state: 'application', since: T0 };
  return events.map((ev, i) => {
    const r = transition(status, ev, { by: 'admin:ada', at: T0 + (i + 1) * 31 * DAY, reason: 'review' });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    status = r.status;
    return r.record;
  });
}

const toTraining: LifecycleEvent[] = [{ type: 'start_screening' }, { type: 'pass_screening' }, { type: 'pass_technical_review' }];
const toCertified: LifecycleEvent[] = [
  ...toTraining,
  { type: 'complete_training' },
  { type: 'record_exam', scorePct: 91 },
  { type: 'complete_probation', uptimePct: 99.8 },
];

describe('funnel', () => {
  it.each([
    ['nobody', [], {}, {}],
    ['one fresh application', [[]], { application: 1 }, { application: 1 }],
    ['in screening', [history({ type: 'start_screening' })], { screening: 1 }, { application: 1, screening: 1 }],
    [
      'a mixed intake of five',
      [
        [],
        history(...toTraining),
        history({ type: 'start_screening' }, { type: 'reject', reason: 'hardware_below_minimum' }),
        history(...toCertified),
        history(...toCertified, { type: 'promote' }, { type: 'suspend' }),
      ],
      { application: 1, training: 1, rejected: 1, certified: 1, suspended: 1 },
      {
        application: 5,
        screening: 4,
        technical_review: 3,
        training: 3,
        exam: 2,
        probation: 2,
        certified: 2,
        senior: 1,
        suspended: 1,
        rejected: 1,
      },
    ],
    [
      'rejected, then applied again: reached counts the person once, current is where they are now',
      [history({ type: 'reject', reason: 'incomplete_application' }, { type: 'reapply' }, { type: 'start_screening' })],
      { screening: 1 },
      { application: 1, rejected: 1, screening: 1 },
    ],
    [
      'a failed exam stays at exam',
      [history(...toTraining, { type: 'complete_training' }, { type: 'record_exam', scorePct: 50 })],
      { exam: 1 },
      { application: 1, screening: 1, technical_review: 1, training: 1, exam: 1 },
    ],
  ] as Array<[string, TransitionRecord[][], Record<string, number>, Record<string, number>]>)(
    '%s',
    (_name, histories, current, reached) => {
      const f = funnel(histories);
      expect(Object.fromEntries(f.stages.filter((s) => s.current).map((s) => [s.stage, s.current]))).toEqual(current);
      expect(Object.fromEntries(f.stages.filter((s) => s.reached).map((s) => [s.stage, s.reached]))).toEqual(reached);
    },
  );

  it('stages come in lifecycle order, every state listed', () => {
    expect(funnel([]).stages.map((s) => s.stage)).toEqual([
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
    ]);
  });

  it('rejections by reason', () => {
    const f = funnel([
      history({ type: 'reject', reason: 'exam_failed' }),
      history({ type: 'start_screening' }, { type: 'reject', reason: 'exam_failed' }),
      history({ type: 'reject', reason: 'no_capacity' }, { type: 'reapply' }, { type: 'reject', reason: 'unresponsive' }),
    ]);
    expect(Object.fromEntries(Object.entries(f.rejections).filter(([, n]) => n))).toEqual({
      exam_failed: 2,
      no_capacity: 1,
      unresponsive: 1,
    });
  });
});
