import { describe, expect, it } from 'vitest';
import { computeStatement } from '../engine.ts';
import { fullNode, operatorEvidence, versionWith } from '../testkit.ts';

const tiered = {
  code: 'up',
  kind: 'uptime_bonus',
  thresholds: [
    { uptimePct: 99.5, amountCents: 20000 },
    { uptimePct: 99.9, amountCents: 60000 },
    { uptimePct: 99.8, amountCents: 40000 },
  ],
};
// April: 2 592 000 s. 0.1 % = 2 592 s, 0.2 % = 5 184 s, 0.5 % = 12 960 s
const run = (line: Record<string, unknown>, s: { down?: number; unknown?: number }) =>
  computeStatement(versionWith(line), operatorEvidence('2027-04', { nodes: [fullNode('n1', '2027-04', s)] }), '2027-04').lines[0]!;

describe('uptime_bonus', () => {
  it.each<[string, Record<string, unknown>, { down?: number; unknown?: number }, string, number]>([
    ['the highest threshold passed pays', tiered, { down: 2_000 }, 'threshold_met', 60000],
    ['exactly at 99.9 % falls to 99.8 %', tiered, { down: 2_592 }, 'threshold_met', 40000],
    ['at_or_above takes the boundary', { ...tiered, comparison: 'at_or_above' }, { down: 2_592 }, 'threshold_met', 60000],
    ['below every threshold', tiered, { down: 12_960 }, 'threshold_not_met', 0],
    ['nothing observed', tiered, { unknown: 2_592_000 }, 'no_observed_time', 0],
  ])('%s', (_name, line, s, reason, cents) => {
    expect(run(line, s)).toMatchObject({ reason, amountCents: cents });
  });

  it('explains a miss', () => {
    expect(run(tiered, { down: 12_960 }).formula).toBe('2579040/2592000 s = 99.5000 %, not > 99.5 %');
  });
});
