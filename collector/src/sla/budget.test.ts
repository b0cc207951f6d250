import { describe, expect, it } from 'vitest';
import { aheadMs, budget, DEFAULT_THRESHOLDS, monthOf, nodeFigures, thresholdFor } from './budget.ts';
import { calendarMonth } from './summary.ts';
import { deriveTimeline } from './timeline.ts';
import type { Interval, Point } from './types.ts';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const D = 24 * H;
const NOV = calendarMonth('2026-11');
const T0 = NOV.start;

const iv = (state: Interval['state'], start: number, end: number): Interval => ({
  state,
  start,
  end,
  cause: state === 'UP' ? 'heartbeat' : state === 'DOWN' ? 'missed_heartbeats' : 'not_observing',
  evidence: {},
});
/** UP over [from, to) with the given holes filled by other states. */
function timeline(from: number, to: number, holes: Array<[Interval['state'], number, number]> = []): Interval[] {
  const out: Interval[] = [];
  let cursor = from;
  for (const [state, s, e] of [...holes].sort((a, b) => a[1] - b[1])) {
    if (s > cursor) out.push(iv('UP', cursor, s));
    out.push(iv(state, s, e));
    cursor = e;
  }
  if (cursor < to) out.push(iv('UP', cursor, to));
  return out;
}
function beats(start: number, end: number, opts: { live?: boolean } = {}): Point[] {
  const out: Point[] = [];
  for (let t = start; t < end; t += 5 * S) out.push({ at: t, live: opts.live ?? true, ok: true });
  return out;
}

describe('thresholdFor', () => {
  it.each([
    ['node', 'certified', 99.5],
    ['node', 'senior', 99.7],
    ['operator', 'fleet_lead', 99.9],
    ['node', null, 99.5],
    ['operator', 'unheard-of', 99.5],
    ['region', 'fleet_lead', 99.5],
    ['fleet', null, 99.5],
  ] as const)('%s of tier %s → %s', (level, tier, expected) => {
    expect(thresholdFor(level, tier, DEFAULT_THRESHOLDS)).toBe(expected);
  });
  it('is configurable', () => {
    expect(thresholdFor('operator', 'senior', { tiers: { certified: 99, senior: 99.8, fleet_lead: 99.95 }, fleetTargetPct: 98 })).toBe(
      99.8,
    );
  });
});

describe('monthOf / aheadMs', () => {
  it('finds the UTC month, December rolling into January', () => {
    expect(monthOf(Date.UTC(2026, 11, 31, 23, 59))).toEqual({ start: Date.UTC(2026, 11, 1), end: Date.UTC(2027, 0, 1), name: '2026-12' });
  });
  it.each([
    ['the rest of the month', T0 + 10 * D, [], 20 * D],
    [
      'minus declared maintenance ahead (overlaps merged)',
      T0 + 10 * D,
      [
        { start: T0 + 11 * D, end: T0 + 11 * D + 2 * H },
        { start: T0 + 11 * D + H, end: T0 + 11 * D + 3 * H },
      ],
      20 * D - 3 * H,
    ],
    ['maintenance already past does not count', T0 + 10 * D, [{ start: T0 + D, end: T0 + D + 2 * H }], 20 * D],
    ['nothing ahead after the month', NOV.end + 1, [], 0],
    ['the whole month when now is before it (clock behind)', T0 - D, [], 30 * D],
  ])('%s', (_n, now, spans, expected) => {
    expect(aheadMs(NOV, now, spans)).toBe(expected);
  });
});

describe('budget', () => {
  it('10 days in with 1 h down at certified 99.5 %: 3.6 h allowed, 2.6 h left, projected 99.58 %', () => {
    const b = budget({
      month: NOV,
      now: T0 + 10 * D,
      thresholdPct: 99.5,
      toDate: { upMs: 10 * D - H, downMs: H, unknownMs: 0, maintenanceMs: 0 },
      aheadMs: 20 * D,
      baselineRatio: null,
    });
    expect(b.allowedDownMs).toBeCloseTo(3.6 * H, 3);
    expect(b.leftMs).toBeCloseTo(2.6 * H, 3);
    expect(b.projection.downMs).toBeCloseTo(3 * H, 3);
    expect(b.projection.ratio).toBeCloseTo(1 - 3 / 720, 9);
    expect(b.projection.meetsThreshold).toBe(true);
    expect(b.final).toBe(false);
  });
  it('a baseline ratio (rolling 30 d) drives the projection', () => {
    const b = budget({
      month: NOV,
      now: T0 + 10 * D,
      thresholdPct: 99.9,
      toDate: { upMs: 10 * D, downMs: 0, unknownMs: 0, maintenanceMs: 0 },
      aheadMs: 20 * D,
      baselineRatio: 0.99,
    });
    expect(b.projection.downMs).toBeCloseTo(0.2 * D, 3);
    expect(b.projection.meetsThreshold).toBe(false);
    expect(b.leftMs).toBeCloseTo(0.001 * 30 * D, 3);
  });
  it('a finished month is final: nothing ahead, the projection is the actual figure', () => {
    const b = budget({
      month: NOV,
      now: NOV.end + D,
      thresholdPct: 99.5,
      toDate: { upMs: 30 * D - 4 * H, downMs: 4 * H, unknownMs: 0, maintenanceMs: 0 },
      aheadMs: 99 * D,
      baselineRatio: 1,
    });
    expect(b.final).toBe(true);
    expect(b.leftMs).toBeCloseTo(3.6 * H - 4 * H, 3);
    expect(b.projection.ratio).toBeCloseTo(1 - 4 / 720, 9);
    expect(b.projection.meetsThreshold).toBe(false);
  });
  it('exactly at the threshold meets it', () => {
    const b = budget({
      month: NOV,
      now: NOV.end,
      thresholdPct: 99.5,
      toDate: { upMs: 30 * D - 3.6 * H, downMs: 3.6 * H, unknownMs: 0, maintenanceMs: 0 },
      aheadMs: 0,
      baselineRatio: null,
    });
    expect(b.projection.meetsThreshold).toBe(true);
    expect(b.leftMs).toBeCloseTo(0, 3);
  });
  it('nothing counted and nothing ahead: no ratio', () => {
    const b = budget({
      month: NOV,
      now: NOV.end,
      thresholdPct: 99.5,
      toDate: { upMs: 0, downMs: 0, unknownMs: 5 * D, maintenanceMs: 0 },
      aheadMs: 0,
      baselineRatio: null,
    });
    expect(b.projection.ratio).toBeNull();
    expect(b.projection.meetsThreshold).toBeNull();
    expect(b.allowedDownMs).toBe(0);
  });
});

/** The scenarios pay depends on, from intervals (or heartbeats) to the figures an uptime view shows. */
describe('nodeFigures', () => {
  const now = T0 + 10 * D;
  const month = { from: NOV.start, to: NOV.end };
  const figures = (intervals: Interval[], over: Partial<Parameters<typeof nodeFigures>[0]> = {}) =>
    nodeFigures({ intervals, maintenance: [], window: month, now, thresholdPct: 99.5, ...over });

  it.each([
    {
      name: 'intervals across the month boundary count only inside the month (and only up to now)',
      intervals: timeline(T0 - D, now, [['DOWN', T0 - H, T0 + H]]),
      expect: { upMs: 10 * D - H, downMs: H, unknownMs: 0, maintenanceMs: 0, untrackedMs: 0, to: now },
    },
    {
      name: 'maintenance overlapping downtime: only the DOWN outside the window counts',
      intervals: timeline(T0, now, [['DOWN', T0 + 2 * D + H, T0 + 2 * D + 3 * H]]),
      maintenance: [{ start: T0 + 2 * D + 2 * H, end: T0 + 2 * D + 4 * H }],
      expect: { upMs: 10 * D - 3 * H, downMs: H, unknownMs: 0, maintenanceMs: 2 * H },
    },
    {
      name: 'a node registered mid-month: the time before its first heartbeat is untracked, not down',
      intervals: timeline(T0 + 5 * D, now),
      expect: { upMs: 5 * D, downMs: 0, untrackedMs: 5 * D, ratio: 1 },
    },
    {
      name: 'a collector outage nobody settled stays UNKNOWN and uses no budget',
      intervals: timeline(T0, now, [['UNKNOWN', T0 + D, T0 + D + 2 * H]]),
      expect: { upMs: 10 * D - 2 * H, downMs: 0, unknownMs: 2 * H, ratio: 1 },
    },
    {
      name: 'clock skew: an interval reaching past now is clipped at now',
      intervals: timeline(T0, now + H),
      expect: { upMs: 10 * D, untrackedMs: 0, to: now },
    },
  ])('$name', (c) => {
    const f = figures(c.intervals, c.maintenance ? { maintenance: c.maintenance } : {});
    expect(f.summary).toMatchObject(c.expect);
    expect(f.budget.usedDownMs).toBe(f.summary.downMs);
  });

  it('the budget scales with the time the node was in service', () => {
    const late = figures(timeline(T0 + 5 * D, now)).budget;
    const early = figures(timeline(T0, now)).budget;
    expect(late.allowedDownMs).toBeCloseTo(0.005 * 25 * D, 3);
    expect(early.allowedDownMs).toBeCloseTo(0.005 * 30 * D, 3);
  });

  it('maintenance declared for the rest of the month shrinks the budget and is shown as MAINTENANCE', () => {
    const f = figures(timeline(T0, now), { maintenance: [{ start: now + D, end: now + D + 10 * H }] });
    expect(f.budget.allowedDownMs).toBeCloseTo(0.005 * (30 * D - 10 * H), 3);
  });

  it('a past month (?month=) keeps its own budget, final', () => {
    const oct = calendarMonth('2026-10');
    const f = nodeFigures({
      intervals: timeline(oct.start, T0, [['DOWN', oct.start + D, oct.start + D + 2 * H]]),
      maintenance: [],
      window: { from: oct.start, to: oct.end },
      now,
      thresholdPct: 99.7,
      month: oct,
    });
    expect(f.budget.final).toBe(true);
    expect(f.budget.leftMs).toBeCloseTo(0.003 * 31 * D - 2 * H, 3);
  });

  describe('from heartbeats (deriveTimeline → nodeFigures)', () => {
    const grace = 15 * S;
    const derive = (points: Point[], observed = [{ start: T0 - H, end: T0 + 2 * H }]) =>
      deriveTimeline({ from: T0, to: T0 + 2 * H, prior: null, points, observed, graceMs: grace, restartGraceMs: 90 * S }).intervals;
    const at2h = (intervals: Interval[], maintenance: Array<{ start: number; end: number }> = []) =>
      nodeFigures({ intervals, maintenance, window: { from: T0, to: T0 + 2 * H }, now: T0 + 2 * H, thresholdPct: 99.5 });

    it.each([
      ['a flap shorter than the grace uses no budget', [...beats(T0, T0 + H), ...beats(T0 + H + 9 * S, T0 + 2 * H)], 0],
      [
        'a gap longer than the grace is DOWN from the last heartbeat',
        [...beats(T0, T0 + H), ...beats(T0 + H + 55 * S, T0 + 2 * H)],
        60 * S,
      ],
    ])('%s', (_n, points, down) => {
      expect(at2h(derive(points)).summary.downMs).toBe(down);
    });

    it('backfill after a collector outage settles the unobserved hour as UP', () => {
      const observed = [
        { start: T0 - H, end: T0 + 30 * MIN },
        { start: T0 + 90 * MIN, end: T0 + 3 * H },
      ];
      const live = [...beats(T0, T0 + 30 * MIN), ...beats(T0 + 90 * MIN, T0 + 2 * H)];
      const without = at2h(derive(live, observed)).summary;
      const backfilled = at2h(derive([...live, ...beats(T0 + 30 * MIN, T0 + 90 * MIN, { live: false })], observed)).summary;
      expect(without.unknownMs).toBeGreaterThan(55 * MIN);
      expect(without.downMs).toBe(0);
      expect(backfilled).toMatchObject({ unknownMs: 0, downMs: 0, upMs: 2 * H, ratio: 1 });
    });

    it('clock skew: live heartbeats count at arrival, so an agent clock hours off changes nothing', () => {
      // The points are collector arrival times; the agent's own clock never enters the live timeline.
      expect(at2h(derive(beats(T0, T0 + 2 * H))).summary).toMatchObject({ upMs: 2 * H, downMs: 0 });
    });

    it('an outage inside a maintenance window is MAINTENANCE with the underlying state as evidence', () => {
      const f = at2h(derive([...beats(T0, T0 + H), ...beats(T0 + H + 10 * MIN, T0 + 2 * H)]), [
        { start: T0 + H - 5 * MIN, end: T0 + H + 15 * MIN },
      ]);
      expect(f.summary).toMatchObject({ downMs: 0, maintenanceMs: 20 * MIN });
      expect(f.intervals.filter((i) => i.state === 'MAINTENANCE').map((i) => i.evidence.underlying)).toContain('DOWN');
    });
  });
});
