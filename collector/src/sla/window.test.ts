import { describe, expect, it } from 'vitest';
import { boundRange, monthSpan, windowLength, WindowError } from './window.ts';
import { readSpan } from '../services/sla.ts';
import { expandWindow, type MaintenanceDef } from './maintenance.ts';
import { monthOf } from './budget.ts';

const H = 3_600_000;
const D = 24 * H;
const NOW = Date.UTC(2026, 11, 2, 4, 0, 0);
const RETENTION = 400 * D;

describe('windowLength', () => {
  it.each([
    ['24h', 24 * H],
    ['7d', 7 * D],
    ['30d', 30 * D],
    ['90d', 90 * D],
    ['1h', H],
    ['400d', 400 * D],
    ['9600h', 400 * D],
  ])('%s', (spec, ms) => expect(windowLength(spec, RETENTION)).toBe(ms));

  it.each(['401d', '9601h', '0d', '30', 'd', '1w', '-1d', '30D', '1.5d', ' 30d', '99999999d', '30d\u0000'])(
    'refuses "%s", listing the accepted forms',
    (spec) => {
      expect(() => windowLength(spec, RETENTION)).toThrow(WindowError);
      expect(() => windowLength(spec, RETENTION)).toThrow(
        'window must be 24h, 7d, 30d, 90d, or any other Nd (days) or Nh (hours), up to 400d',
      );
    },
  );
});

describe('monthSpan', () => {
  it.each([
    ['2026-12', Date.UTC(2026, 11, 1), Date.UTC(2027, 0, 1)],
    ['2025-10', Date.UTC(2025, 9, 1), Date.UTC(2025, 10, 1)], // holds the oldest interval kept (2025-10-28)
    ['2027-12', Date.UTC(2027, 11, 1), Date.UTC(2028, 0, 1)], // 12 months ahead
  ])('%s', (m, start, end) => expect(monthSpan(m, NOW, RETENTION)).toEqual({ start, end }));

  it.each(['0026-11', '9999-12', '1926-11', '2025-09', '2028-01', '2026-13', '2026-00', '26-11'])('refuses %s', (m) => {
    expect(() => monthSpan(m, NOW, RETENTION)).toThrow(WindowError);
  });

  it('never reads a two-digit year as 19xx', () => {
    expect(() => monthSpan('0026-11', NOW, RETENTION)).toThrow('month must be between 2025-10 and 2027-12');
  });
});

describe('boundRange', () => {
  it('clamps to to now, however far ahead it is', () => {
    expect(boundRange(NOW - D, Date.parse('9999-12-31T00:00:00Z'), NOW, RETENTION)).toEqual({ start: NOW - D, end: NOW });
  });
  it.each([
    ['from before the history kept', Date.parse('0001-01-01T00:00:00Z'), NOW],
    ['from a day before the history kept', NOW - RETENTION - D, NOW],
    ['from in the future', NOW + D, NOW + 2 * D],
    ['to before from', NOW - D, NOW - 2 * D],
  ])('refuses %s', (_why, from, to) => expect(() => boundRange(from, to, NOW, RETENTION)).toThrow(WindowError));
});

describe('maintenance expanded for a read', () => {
  // A daily window with no end, declared long ago: a read up to 9999-12-31 expands only what it needs.
  const daily: MaintenanceDef = {
    id: 1,
    scope: 'fleet',
    target: null,
    start: NOW - 300 * D,
    end: NOW - 300 * D + H,
    recurrence: 'daily',
    until: null,
    cancelledAt: null,
    declaredBy: 'lead',
    reason: 'nightly',
  };
  it('covers the window up to now, the budget month and the rolling 30 days, nothing further', () => {
    const w = { ...boundRange(NOW - 7 * D, Date.parse('9999-12-31T00:00:00Z'), NOW, RETENTION), month: monthOf(NOW) };
    const span = readSpan({ from: w.start, to: w.end, month: w.month }, NOW);
    expect(span).toEqual({ start: NOW - 30 * D, end: Date.UTC(2027, 0, 1) });
    expect(expandWindow(daily, span.start, span.end)).toHaveLength(60);
  });
  it('does so even when a caller passes a window ending far in the future', () => {
    const span = readSpan({ from: NOW - 7 * D, to: Date.parse('9999-12-31T00:00:00Z'), month: monthOf(NOW) }, NOW);
    expect(span.end).toBe(Date.UTC(2027, 0, 1));
  });
});
