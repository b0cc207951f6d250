import { describe, expect, it } from 'vitest';
import { deriveTimeline, type TimelineInput } from './timeline.ts';
import { summarize, applyMaintenance, calendarMonth } from './summary.ts';
import type { Point } from './types.ts';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2026, 10, 1, 0, 0, 0);
const grace = 15 * S;

/** Live heartbeats every 5 s over [start, end). */
function beats(start: number, end: number, opts: { ok?: boolean; live?: boolean; failing?: string[] } = {}): Point[] {
  const out: Point[] = [];
  for (let t = start; t < end; t += 5 * S)
    out.push({ at: t, live: opts.live ?? true, ok: opts.ok ?? true, ...(opts.failing ? { failing: opts.failing } : {}) });
  return out;
}

function run(partial: Partial<TimelineInput> & Pick<TimelineInput, 'points'>) {
  const input: TimelineInput = {
    from: T0,
    to: T0 + 20 * MIN,
    prior: null,
    observed: [{ start: T0 - MIN, end: T0 + 60 * MIN }],
    graceMs: grace,
    restartGraceMs: 90 * S,
    ...partial,
  };
  const res = deriveTimeline(input);
  return { ...res, sum: summarize(res.intervals, input.from, input.to) };
}

describe('deriveTimeline', () => {
  it('steady heartbeats are UP, and the open stretch is UP until the grace runs out', () => {
    const r = run({ points: beats(T0, T0 + 20 * MIN) });
    expect(r.sum).toMatchObject({ upMs: 20 * MIN, downMs: 0, unknownMs: 0, ratio: 1 });
    expect(r.nextCheckAt).toBe(T0 + 20 * MIN - 5 * S + grace);
  });

  it('a silence longer than the grace is DOWN from the last good heartbeat', () => {
    // up 10 min, silent 2 min, up 8 min
    const r = run({ points: [...beats(T0, T0 + 10 * MIN), ...beats(T0 + 12 * MIN, T0 + 20 * MIN)] });
    const down = r.intervals.filter((i) => i.state === 'DOWN');
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ start: T0 + 10 * MIN - 5 * S, end: T0 + 12 * MIN, cause: 'missed_heartbeats' });
    expect(down[0]!.evidence).toEqual({ lastHeartbeatAt: T0 + 10 * MIN - 5 * S, nextHeartbeatAt: T0 + 12 * MIN });
    expect(r.sum.downMs).toBe(2 * MIN + 5 * S);
    expect(r.sum.upMs).toBe(18 * MIN - 5 * S);
  });

  it.each([
    ['a flap shorter than the grace stays UP', 14 * S, 0],
    ['a gap of exactly the grace stays UP', 15 * S, 0],
    ['a gap just over the grace is DOWN for the whole gap', 16 * S, 16 * S],
  ])('%s', (_name, gap, expectedDown) => {
    const r = run({ points: [...beats(T0, T0 + 5 * MIN), ...beats(T0 + 5 * MIN - 5 * S + gap, T0 + 20 * MIN)] });
    expect(r.sum.downMs).toBe(expectedDown);
  });

  it('an SLA-critical check failing is DOWN with the failing check as evidence', () => {
    const r = run({
      points: [
        ...beats(T0, T0 + 5 * MIN),
        ...beats(T0 + 5 * MIN, T0 + 7 * MIN, { ok: false, failing: ['gateway'] }),
        ...beats(T0 + 7 * MIN, T0 + 20 * MIN),
      ],
    });
    const down = r.intervals.filter((i) => i.state === 'DOWN');
    expect(down).toEqual([
      {
        state: 'DOWN',
        start: T0 + 5 * MIN,
        end: T0 + 7 * MIN,
        cause: 'check_failed',
        evidence: { failing: ['gateway'], since: T0 + 5 * MIN },
      },
    ]);
  });

  it('the collector not observing is UNKNOWN, never DOWN, and the restart zone waits for agents to reconnect', () => {
    // Collector down [10 min, 11 min); the agent reconnects 20 s after the restart.
    const observed = [
      { start: T0 - MIN, end: T0 + 10 * MIN },
      { start: T0 + 11 * MIN, end: T0 + 60 * MIN },
    ];
    const r = run({ observed, points: [...beats(T0, T0 + 10 * MIN), ...beats(T0 + 11 * MIN + 20 * S, T0 + 20 * MIN)] });
    expect(r.sum.downMs).toBe(0);
    // From the last heartbeat before the stop (10 min - 5 s) to the first after the restart (11 min 20 s):
    // the collector never watched a grace period run out, so all of it is UNKNOWN.
    expect(r.sum.unknownMs).toBe(85 * S);
    expect(r.sum.upMs).toBe(20 * MIN - 85 * S);
  });

  it('a node that never comes back after a collector restart is DOWN once the restart zone has passed', () => {
    const observed = [
      { start: T0 - MIN, end: T0 + 10 * MIN },
      { start: T0 + 11 * MIN, end: T0 + 60 * MIN },
    ];
    const r = run({ observed, points: beats(T0, T0 + 10 * MIN) });
    expect(r.intervals.map((i) => [i.state, i.start - T0, i.end - T0])).toEqual([
      ['UP', 0, 10 * MIN - 5 * S],
      ['UNKNOWN', 10 * MIN - 5 * S, 11 * MIN + 90 * S],
      ['DOWN', 11 * MIN + 90 * S, 20 * MIN],
    ]);
  });

  it('while the restart zone is still running, the open stretch is UNKNOWN and says when to look again', () => {
    const observed = [
      { start: T0 - MIN, end: T0 + 10 * MIN },
      { start: T0 + 19 * MIN + 30 * S, end: T0 + 20 * MIN },
    ];
    const r = run({ observed, points: beats(T0, T0 + 10 * MIN) });
    expect(r.intervals.at(-1)).toMatchObject({ state: 'UNKNOWN', end: T0 + 20 * MIN });
    expect(r.nextCheckAt).toBe(T0 + 19 * MIN + 30 * S + 90 * S);
  });

  it('a prior heartbeat from before the window carries the state into it', () => {
    const r = run({ prior: { at: T0 - 3 * S, live: true, ok: true }, points: beats(T0 + 2 * S, T0 + 20 * MIN) });
    expect(r.sum).toMatchObject({ upMs: 20 * MIN, untrackedMs: 0 });
  });

  it('before the first heartbeat ever (a node registered mid-window) nothing is counted', () => {
    const r = run({ points: beats(T0 + 5 * MIN, T0 + 20 * MIN) });
    expect(r.sum).toMatchObject({ upMs: 15 * MIN, downMs: 0, untrackedMs: 5 * MIN, ratio: 1 });
  });

  it('backfilled samples settle the collector outage as UP', () => {
    const observed = [
      { start: T0 - MIN, end: T0 + 10 * MIN },
      { start: T0 + 11 * MIN, end: T0 + 60 * MIN },
    ];
    const buffered = beats(T0 + 10 * MIN, T0 + 11 * MIN + 20 * S, { live: false });
    const r = run({ observed, points: [...beats(T0, T0 + 10 * MIN), ...buffered, ...beats(T0 + 11 * MIN + 20 * S, T0 + 20 * MIN)] });
    expect(r.sum).toMatchObject({ upMs: 20 * MIN, downMs: 0, unknownMs: 0 });
  });

  it('late samples cannot vouch for time the collector was observing', () => {
    // Network cut: collector observing, nothing arrives for 3 min, then the buffer is replayed.
    const replay = beats(T0 + 5 * MIN, T0 + 8 * MIN, { live: false });
    const r = run({ points: [...beats(T0, T0 + 5 * MIN), ...replay, ...beats(T0 + 8 * MIN, T0 + 20 * MIN)] });
    expect(r.sum.downMs).toBe(3 * MIN + 5 * S);
  });
});

describe('summaries', () => {
  const iv = (state: 'UP' | 'DOWN' | 'UNKNOWN', start: number, end: number) => ({
    state,
    start,
    end,
    cause: 'heartbeat' as const,
    evidence: {},
  });

  it.each([
    ['all up', [iv('UP', 0, 100)], { upMs: 100, ratio: 1 }],
    ['unknown never counts against the ratio', [iv('UP', 0, 90), iv('UNKNOWN', 90, 100)], { upMs: 90, unknownMs: 10, ratio: 1 }],
    ['time-weighted, not counted', [iv('UP', 0, 99), iv('DOWN', 99, 100)], { ratio: 0.99 }],
    ['nothing counted gives no ratio', [iv('UNKNOWN', 0, 100)], { ratio: null }],
  ])('%s', (_n, intervals, expected) => {
    expect(summarize(intervals, 0, 100)).toMatchObject(expected);
  });

  it('maintenance overlapping downtime replaces it and leaves the ratio alone', () => {
    const ivs = applyMaintenance(
      [iv('UP', 0, 50), iv('DOWN', 50, 70), iv('UP', 70, 100)],
      [{ start: 40, end: 60, evidence: { declaredBy: 'lead@fleet' } }],
    );
    const s = summarize(ivs, 0, 100);
    expect(s).toMatchObject({ upMs: 70, downMs: 10, maintenanceMs: 20 });
    expect(ivs.find((i) => i.state === 'MAINTENANCE' && i.start === 50)?.evidence).toMatchObject({
      declaredBy: 'lead@fleet',
      underlying: 'DOWN',
    });
  });

  it('intervals across a month boundary are split by the calendar month window', () => {
    const nov = calendarMonth('2026-11');
    const ivs = [iv('UP', nov.end - 3_600_000, nov.end + 3_600_000), iv('DOWN', nov.end + 3_600_000, nov.end + 7_200_000)];
    expect(summarize(ivs, nov.start, nov.end)).toMatchObject({ upMs: 3_600_000, downMs: 0 });
    const dec = calendarMonth('2026-12');
    expect(summarize(ivs, dec.start, dec.end)).toMatchObject({ upMs: 3_600_000, downMs: 3_600_000, ratio: 0.5 });
    expect(() => calendarMonth('2026-13')).toThrow(RangeError);
  });
});

describe("time nobody observed, settled from the samples and the agent's own record", () => {
  // The collector is down over [10 min, 11 min) and comes back at 11 min.
  const outage = [
    { start: T0 - MIN, end: T0 + 10 * MIN },
    { start: T0 + 11 * MIN, end: T0 + 60 * MIN },
  ];
  /** A live sample taken at `ts` (agent clock = ours here), seq `seq`, arriving `lag` later. */
  const sample = (ts: number, seq: number, opts: { lag?: number; live?: boolean; stream?: string; uptimeS?: number } = {}): Point => {
    const live = opts.live ?? true;
    const lag = live ? (opts.lag ?? 50) : 0;
    return {
      at: ts + lag,
      live,
      ok: true,
      ...(lag ? { sampledAt: ts } : {}),
      agent: { stream: opts.stream ?? 's1', seq, ts, ...(opts.uptimeS !== undefined ? { uptimeMs: opts.uptimeS * S } : {}) },
    };
  };
  /** Samples every 5 s (plus `jitter` per step) over [start, end), seq from `seq`. */
  const stream = (start: number, end: number, seq: number, jitter = 0, opts: { lag?: number; live?: boolean; stream?: string } = {}) => {
    const out: Point[] = [];
    for (let t = start; t < end; t += 5 * S + jitter) out.push(sample(t, seq++, opts));
    return out;
  };
  /** Samples every 5 s until the outage: seq 1-120, the last sampled at 9 min 55 s and arrived 50 ms later. */
  const before = () => stream(T0, T0 + 10 * MIN, 1);
  const states = (r: ReturnType<typeof run>) => r.intervals.map((i) => [i.state, i.cause, (i.start - T0) / S, (i.end - T0) / S]);

  it.each([
    {
      name: 'buffered samples delivered just after the restart, live by age, settle the outage at their sampling times',
      // Samples every 5.1 s (the last before the outage at 9:57.3); the outage's samples arrive in one
      // report at 11:03.35: the last two (sampled 9.95 s and 4.85 s before) are live, stamped at arrival,
      // the others late. Without the live ones' sampling times the 15.05 s from the last late one
      // (10:48.3) to the arrival would exceed the grace: UNKNOWN.
      points: () => {
        const before = stream(T0 + 8 * MIN, T0 + 10 * MIN, 1, 100);
        const ts = before.at(-1)!.agent!.ts;
        const arrival = T0 + 11 * MIN + 3_350;
        const buffered = stream(ts + 5_100, arrival, before.length + 1, 100);
        const delivered = buffered.map((p) =>
          arrival - p.agent!.ts <= 10 * S
            ? { ...p, at: arrival, sampledAt: p.agent!.ts }
            : { ...p, at: p.agent!.ts, live: false, sampledAt: undefined },
        );
        return [...before, ...delivered, ...stream(arrival + 5 * S, T0 + 20 * MIN, 1000)];
      },
      observed: outage,
      want: { downMs: 0, unknownMs: 0 },
    },
    {
      name: 'the agent died before the outage and came back after it, seq contiguous: DOWN from its last sample (agent_evidence)',
      points: () => [...before(), sample(T0 + 12 * MIN, 121), ...stream(T0 + 12 * MIN + 5 * S, T0 + 20 * MIN, 122)],
      observed: outage,
      want: { downMs: 125 * S - 50, unknownMs: 0 },
      // Until the sampling time of the first sample after it (nobody observed that moment either).
      down: [['DOWN', 'agent_evidence', 9 * 60 + 55.05, 12 * 60]],
    },
    {
      name: 'a seq gap (samples not delivered, or lost) proves nothing: UNKNOWN, the restart zone included',
      points: () => [...before(), sample(T0 + 12 * MIN, 125), ...stream(T0 + 12 * MIN + 5 * S, T0 + 20 * MIN, 126)],
      observed: outage,
      want: { downMs: 0, unknownMs: 125 * S - 50 },
    },
    {
      name: 'a new stream (the agent reinstalled) proves nothing by seq',
      points: () => [
        ...before(),
        sample(T0 + 12 * MIN, 1, { stream: 's2' }),
        ...stream(T0 + 12 * MIN + 5 * S, T0 + 20 * MIN, 2, 0, { stream: 's2' }),
      ],
      observed: outage,
      want: { downMs: 0, unknownMs: 125 * S - 50 },
    },
    {
      name: 'a boot after the last sample proves the time from that boot: DOWN from the boot, UNKNOWN before it',
      // seq jumps (a cut buffer tail), but the node booted 30 s before its first sample after the outage.
      points: () => [...before(), sample(T0 + 12 * MIN, 500, { uptimeS: 30 }), ...stream(T0 + 12 * MIN + 5 * S, T0 + 20 * MIN, 501)],
      observed: outage,
      want: { downMs: 30 * S, unknownMs: 95 * S - 50 },
      down: [['DOWN', 'agent_evidence', 11 * 60 + 30, 12 * 60]],
    },
    {
      name: 'a boot before the last sample (a long-running node) proves nothing',
      points: () => [...before(), sample(T0 + 12 * MIN, 500, { uptimeS: 86_400 }), ...stream(T0 + 12 * MIN + 5 * S, T0 + 20 * MIN, 501)],
      observed: outage,
      want: { downMs: 0, unknownMs: 125 * S - 50 },
    },
    {
      name: 'a wall-clock step, not a silence: seq contiguous and 2 min apart by the clock, but the uptime says 5 s passed',
      // The agent's clock jumps 2 min ahead at 10:00 while the node's uptime runs on: 9:55 is uptime
      // 4,195 s, "12:00" is 4,200 s.
      points: () =>
        [...before(), sample(T0 + 12 * MIN, 121), ...stream(T0 + 12 * MIN + 5 * S, T0 + 20 * MIN, 122)].map((p) => {
          const ts = p.agent!.ts;
          return { ...p, agent: { ...p.agent!, uptimeMs: 3_600_000 + (ts < T0 + 10 * MIN ? ts - T0 : ts - T0 - 2 * MIN) } };
        }),
      observed: outage,
      want: { downMs: 0 },
    },
    {
      name: 'seq contiguous across a silence the collector watched: DOWN missed_heartbeats as always',
      points: () => [...stream(T0, T0 + 5 * MIN, 1), ...stream(T0 + 7 * MIN, T0 + 20 * MIN, 61)],
      observed: [{ start: T0 - MIN, end: T0 + 60 * MIN }],
      want: { downMs: 2 * MIN + 5 * S, unknownMs: 0 },
      down: [['DOWN', 'missed_heartbeats', 4 * 60 + 55.05, 7 * 60 + 0.05]],
    },
    {
      name: 'seq contiguous but sampled within the grace (the agent ran; its report came late): no proof, and that sample settles its moment',
      points: () => [...before(), sample(T0 + 10 * MIN, 121, { lag: 80 * S }), ...stream(T0 + 11 * MIN + 25 * S, T0 + 20 * MIN, 122)],
      observed: outage,
      want: { downMs: 0, unknownMs: 80 * S },
    },
  ])('$name', ({ points, observed, want, down }) => {
    const r = run({ observed, points: points() });
    expect(r.sum).toMatchObject(want);
    if (down) expect(states(r).filter(([s]) => s === 'DOWN')).toEqual(down);
  });

  it('names the proof and the samples it rests on', () => {
    const r = run({
      observed: outage,
      points: [...before(), sample(T0 + 12 * MIN, 121), ...stream(T0 + 12 * MIN + 5 * S, T0 + 20 * MIN, 122)],
    });
    expect(r.intervals.filter((i) => i.state === 'DOWN')).toEqual([
      {
        state: 'DOWN',
        start: T0 + 9 * MIN + 55 * S + 50,
        end: T0 + 12 * MIN,
        cause: 'agent_evidence',
        evidence: {
          proof: 'seq_contiguous',
          lastHeartbeatAt: T0 + 9 * MIN + 55 * S + 50,
          nextHeartbeatAt: T0 + 12 * MIN,
          lastSeq: 120,
          nextSeq: 121,
        },
      },
    ]);
  });
});
