import { describe, expect, it } from 'vitest';
import { decimalString, exactCents, formatCents, formatUsd, milliPct, percentString, roundCents, scale } from './money.ts';

describe('roundCents: half up on the magnitude, once', () => {
  it.each([
    [25n, 2n, 13], // 12.5 → 13
    [-25n, 2n, -13], // −12.5 → −13
    [24_999n, 2_000n, 12], // 12.4995 → 12
    [-2n, 5n, 0], // −0.4 → 0, never −0
    [150_000n, 29n, 5172], // 15000 × 10/29 = 5172.41 → 5172
    [20_000n, 29n, 690], // 2000 × 10/29 = 689.66 → 690
    [0n, 7n, 0],
  ])('%i/%i → %i', (num, den, cents) => {
    expect(Object.is(roundCents({ num, den }), cents)).toBe(true);
  });

  it('rounds exactly where floating point would not: 1.005 dollars is 100.5 cents', () => {
    // 100.5 in binary floating point is exact, but 1.005 × 100 is 100.49999999999999: the rule works on fractions
    expect(roundCents(scale(exactCents(1005), 1, 10))).toBe(101);
    expect(Math.round(1.005 * 100)).toBe(100);
  });
});

describe('formatting', () => {
  it.each([
    [0, '0.00', '$0.00'],
    [5, '0.05', '$0.05'],
    [-500, '-5.00', '-$5.00'],
    [123_456_789, '1234567.89', '$1,234,567.89'],
  ])('%i cents', (cents, plain, usd) => {
    expect(formatCents(cents)).toBe(plain);
    expect(formatUsd(cents)).toBe(usd);
  });

  it('percentages are truncated, never overstated', () => {
    expect(percentString(2_579_041, 2_592_000)).toBe('99.5000'); // 99.50004 %
    expect(percentString(1, 3)).toBe('33.3333');
    expect(percentString(1, 1)).toBe('100.0000');
    expect(decimalString(1_296_000n, 86_400n, 2)).toBe('15.00');
  });

  it('percent parameters become integer milli-percent, at most 3 decimals', () => {
    expect(milliPct(99.5)).toBe(99_500n);
    expect(milliPct(99.95)).toBe(99_950n);
    expect(milliPct(12.125)).toBe(12_125n);
    expect(() => milliPct(99.9999)).toThrow(/more than 3 decimals/);
  });
});
