import { describe, expect, it } from 'vitest';
import { tierProposals, type MonthUptime } from './eligibility.ts';
import { monthFromIndex, monthIndex } from './month.ts';
import { shippedVersion } from './testkit.ts';

const rules = shippedVersion('per-operator', '2027-01').eligibility!;

/** Consecutive months ending at `last`, with the given uptime percentages (as up/down out of 100 000 s). */
function history(last: string, pcts: Array<number | null>): MonthUptime[] {
  return pcts.map((p, i) => ({
    month: monthFromIndex(monthIndex(last) - (pcts.length - 1 - i)),
    upSeconds: p === null ? 0 : Math.round(p * 1000),
    downSeconds: p === null ? 0 : 100_000 - Math.round(p * 1000),
  }));
}
const six = (p: number) => Array<number>(6).fill(p);

describe('tier proposals', () => {
  it.each<[string, string, Array<number | null>, string[]]>([
    // 6 months each at or above 99.7 %: senior
    ['6 months exactly at 99.7 %', 'certified', six(99.7), ['promotion certified→senior']],
    ['only 5 months', 'certified', six(99.8).slice(1), []],
    ['one month of 6 at 99.699 %', 'certified', [99.8, 99.8, 99.699, 99.8, 99.8, 99.8], []],
    ['an old bad month does not matter', 'certified', [90, ...six(99.9)], ['promotion certified→senior']],
    ['a month with nothing observed proves nothing', 'certified', [99.9, 99.9, null, 99.9, 99.9, 99.9], []],
    ['senior: 12 months at 99.9 %', 'senior', Array<number>(12).fill(99.9), ['promotion senior→fleet_lead']],
    ['senior: 11 months', 'senior', Array<number>(11).fill(99.95), []],
    ['fleet lead: nothing higher', 'fleet_lead', Array<number>(12).fill(100), []],
    // termination: below 97 %, warning from the first bad month, risk at three in a row
    ['one month below 97 %', 'certified', [99, 96.999], ['termination_warning 1']],
    ['exactly 97 % is not below', 'certified', [96, 96, 97], []],
    ['two in a row', 'certified', [99, 96, 95], ['termination_warning 2']],
    ['three in a row', 'certified', [96, 95, 90], ['termination_risk 3']],
    ['four in a row', 'senior', [90, 96, 95, 90], ['termination_risk 4']],
    ['a good month breaks the run', 'certified', [96, 95, 99, 90], ['termination_warning 1']],
    ['a month with nothing observed breaks the run', 'certified', [96, 95, null, 90], ['termination_warning 1']],
  ])('%s', (_name, tier, pcts, expected) => {
    const got = tierProposals(rules, tier, history('2027-06', pcts), '2027-06');
    expect(got.map((p) => (p.type === 'promotion' ? `promotion ${p.from}→${p.to}` : `${p.type} ${p.months.length}`))).toEqual(expected);
  });

  it('a missing month breaks the run', () => {
    const h = history('2027-06', six(99.9)).filter((m) => m.month !== '2027-03');
    expect(tierProposals(rules, 'certified', h, '2027-06')).toEqual([]);
  });

  it('only months up to the one evaluated count', () => {
    const h = history('2027-09', [...six(99.9), 50, 50, 50]);
    expect(tierProposals(rules, 'certified', h, '2027-06').map((p) => p.type)).toEqual(['promotion']);
  });

  it('gives its reasons', () => {
    const [p] = tierProposals(rules, 'certified', history('2027-06', [99, 96.5, 95]), '2027-06');
    expect(p).toEqual({
      type: 'termination_warning',
      reason: 'uptime_below_threshold',
      months: ['2027-05', '2027-06'],
      detail: '2 consecutive month(s) below 97 % (3 flag a termination risk): 2027-05 96.500 %, 2027-06 95.000 %',
    });
  });
});
