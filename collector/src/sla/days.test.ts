/** Daily bars by hand: intervals cut at UTC midnight, today partial, no-data, sentences, monitoring holes. */
import { describe, expect, it } from 'vitest';
import { humanDuration } from '@timmy/shared';
import { dayBar, daysSpan, fillDays, monitoringGaps, ratioOfDays, splitDays } from './days.ts';
import type { Interval } from './types.ts';

const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;
const DEC1 = Date.UTC(2026, 11, 1);
const iv = (state: Interval['state'], start: number, end: number): Interval => ({ state, start, end, cause: 'heartbeat', evidence: {} });

describe('splitDays', () => {
  it('cuts intervals at UTC midnight; today runs to now, the rest of today is no data', () => {
    const now = DEC1 + 2 * D + 6 * H; // Dec 3, 06:00
    const days = splitDays(
      [
        iv('UP', DEC1 - 5 * D, DEC1 + 23 * H), // before the window, up to Dec 1 23:00
        iv('DOWN', DEC1 + 23 * H, DEC1 + D + H), // across midnight: 1 h on Dec 1, 1 h on Dec 2
        iv('UP', DEC1 + D + H, DEC1 + D + 10 * H),
        iv('MAINTENANCE', DEC1 + D + 10 * H, DEC1 + D + 12 * H),
        iv('UNKNOWN', DEC1 + D + 12 * H, DEC1 + D + 12 * H + 25 * MIN),
        iv('UP', DEC1 + D + 12 * H + 25 * MIN, now + 5 * H), // clipped at now
      ],
      now,
      3,
    );
    expect(days.map((d) => d.day)).toEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
    expect(days[0]).toMatchObject({ upMs: 23 * H, downMs: H, unknownMs: 0, maintenanceMs: 0, noDataMs: 0 });
    expect(days[1]).toMatchObject({ downMs: H, maintenanceMs: 2 * H, unknownMs: 25 * MIN, noDataMs: 0 });
    expect(days[1]!.upMs).toBe(D - H - 2 * H - 25 * MIN);
    expect(days[2]).toMatchObject({ upMs: 6 * H, downMs: 0, noDataMs: 18 * H });
  });

  it('a node registered mid-window: the days before its first interval are all no data', () => {
    const now = DEC1 + 12 * H;
    const days = splitDays([iv('UP', DEC1 + 6 * H, now)], now, 90);
    expect(days).toHaveLength(90);
    expect(days[0]!.day).toBe('2026-09-03');
    expect(days[88]).toMatchObject({ upMs: 0, noDataMs: D });
    expect(days[89]).toMatchObject({ upMs: 6 * H, noDataMs: 18 * H });
    expect(daysSpan(now, 90)).toEqual({ start: DEC1 - 89 * D, end: now });
  });
});

describe('fillDays (database rows for a group)', () => {
  it('places rows by day, sums node time, no data is nodes × 24 h less the rest', () => {
    const now = DEC1 + D + H;
    const days = fillDays(
      [
        { start: DEC1, upMs: 47 * H, downMs: H, unknownMs: 0, maintenanceMs: 0 },
        { start: DEC1 + D, upMs: 2 * H, downMs: 0, unknownMs: 0, maintenanceMs: 0 },
        { start: DEC1 - 10 * D, upMs: H, downMs: 0, unknownMs: 0, maintenanceMs: 0 }, // outside: ignored
      ],
      now,
      2,
      2,
    );
    expect(days[0]).toMatchObject({ day: '2026-12-01', upMs: 47 * H, downMs: H, noDataMs: 0 });
    expect(days[1]).toMatchObject({ day: '2026-12-02', upMs: 2 * H, noDataMs: 46 * H });
    expect(ratioOfDays(days)).toBeCloseTo(49 / 50, 12);
  });
});

describe('dayBar', () => {
  const base = { start: DEC1, day: '2026-12-01', upMs: 0, downMs: 0, unknownMs: 0, maintenanceMs: 0, noDataMs: 0 };
  it('ratio against the threshold, and the day in words', () => {
    const b = dayBar({ ...base, upMs: D - 10 * MIN, downMs: 10 * MIN }, 99.5);
    expect(b.ratio).toBeCloseTo(1 - 10 / 1440, 12);
    expect(b.meetsThreshold).toBe(false);
    expect(b.summary).toBe('Tue 2026-12-01: 99.30 % up, below the 99.5 % target; down 10 min');
    const ok = dayBar({ ...base, upMs: 20 * H, maintenanceMs: 2 * H, unknownMs: 25 * MIN, noDataMs: 95 * MIN }, 99.5);
    expect(ok.summary).toBe('Tue 2026-12-01: 100.00 % up, meets the 99.5 % target; unknown 25 min; maintenance 2 h; no data 1 h 35 min');
  });
  it('a day with neither UP nor DOWN has no ratio', () => {
    const b = dayBar({ ...base, noDataMs: D }, 99.5);
    expect(b).toMatchObject({ ratio: null, meetsThreshold: null, summary: 'Tue 2026-12-01: no uptime measured; no data 24 h' });
    expect(dayBar({ ...base, upMs: 3 * D, downMs: H }, 99.9, { nodes: 3 }).summary).toContain('down 1 h (node time)');
  });
  it('humanDuration', () => {
    expect([0, 45_000, 12 * MIN, 3 * H + 5 * MIN, 50 * H, 48 * H].map(humanDuration)).toEqual([
      '0 s',
      '45 s',
      '12 min',
      '3 h 5 min',
      '2 d 2 h',
      '2 d',
    ]);
  });
});

describe('monitoringGaps', () => {
  it('holes between spans, cut at midnight, grouped by day; nothing before the first span or in the last seconds', () => {
    const gaps = monitoringGaps(
      [
        { start: DEC1 - 3 * D, end: DEC1 - 30 * MIN },
        { start: DEC1 + 20 * MIN, end: DEC1 + 5 * H },
        { start: DEC1 + 5 * H + 2 * MIN, end: DEC1 + D - 5_000 },
      ],
      DEC1 - 10 * D,
      DEC1 + D,
    );
    expect(gaps).toEqual([
      { day: '2026-11-30', ms: 30 * MIN, spans: [{ start: DEC1 - 30 * MIN, end: DEC1 }] },
      {
        day: '2026-12-01',
        ms: 22 * MIN,
        spans: [
          { start: DEC1, end: DEC1 + 20 * MIN },
          { start: DEC1 + 5 * H, end: DEC1 + 5 * H + 2 * MIN },
        ],
      },
    ]);
    expect(monitoringGaps([], DEC1, DEC1 + D)).toEqual([]);
  });
});
