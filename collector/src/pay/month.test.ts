import { describe, expect, it } from 'vitest';
import { activeDays, addMonths, dayStart, parseMonth, quarterOf } from './month.ts';

describe('months in UTC', () => {
  it.each([
    ['2027-02', 28],
    ['2028-02', 29],
    ['2100-02', 28],
    ['2000-02', 29],
    ['2027-04', 30],
    ['2027-12', 31],
  ])('%s has %i days', (id, days) => {
    const m = parseMonth(id);
    expect(m.days).toBe(days);
    expect(m.seconds).toBe(days * 86_400);
    expect(new Date(m.start).toISOString()).toBe(`${id}-01T00:00:00.000Z`);
  });

  it('refuses what is not a month or a day', () => {
    expect(() => parseMonth('2027-13')).toThrow(/not a month/);
    expect(() => dayStart('2027-02-29')).toThrow(/no such day/);
  });

  it.each([
    ['2027-01-01', 6, '2027-07-01'],
    ['2026-08-31', 6, '2027-02-28'],
    ['2027-08-31', 6, '2028-02-29'],
    ['2026-12-15', 1, '2027-01-15'],
  ])('%s + %i months = %s', (day, n, out) => {
    expect(addMonths(day, n)).toBe(out);
  });

  it.each([
    ['2027-01', '2027-01', '2027-03'],
    ['2027-06', '2027-04', '2027-06'],
    ['2027-11', '2027-10', '2027-12'],
  ])('quarter of %s', (id, first, last) => {
    expect(quarterOf(id)).toEqual({ first, last });
  });

  it.each<[string, string, string | null, number]>([
    ['2027-04', '2026-01-01', null, 30],
    ['2027-04', '2027-04-21', null, 10],
    ['2027-04', '2026-01-01', '2027-04-10', 10],
    ['2027-04', '2027-04-10', '2027-04-10', 1],
    ['2027-04', '2026-01-01', '2027-03-31', 0],
    ['2027-04', '2027-05-01', null, 0],
  ])('active days in %s from %s to %s: %i', (month, since, last, days) => {
    expect(activeDays(parseMonth(month), since, last)).toBe(days);
  });
});
