/** The console's number formatting (console/src/lib/format.ts), written out rather than through Intl. */
import { describe, expect, it } from 'vitest';
import { grouped, minutes } from '../console/src/lib/format.ts';

describe('grouped', () => {
  it('writes a whole number with thousands separators as Intl.NumberFormat("en") does', () => {
    const intl = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
    const cases = [0, 7, 999, 1000, 1234.4, 1234.5, 99_999, 100_000, 1_234_567, 987_654_321_012, -1, -1000, -1_234_567.6];
    for (const n of cases) expect(grouped(n), String(n)).toBe(intl.format(Math.round(n)));
  });

  it('rounds to a whole number and never writes a negative zero', () => {
    expect(grouped(-0.4)).toBe('0');
    expect(grouped(2_500.5)).toBe('2,501');
  });

  it('minutes are seconds / 60, grouped', () => {
    expect(minutes(43_200 * 60)).toBe('43,200 min');
    expect(minutes(89)).toBe('1 min');
    expect(minutes(-7_200)).toBe('-120 min');
  });
});
