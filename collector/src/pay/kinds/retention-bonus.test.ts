import { describe, expect, it } from 'vitest';
import { computeStatement } from '../engine.ts';
import { operatorEvidence, versionWith } from '../testkit.ts';

const version = versionWith({ code: 'retention', kind: 'retention_bonus', amountCents: 10000, minActiveMonths: 6 });
const run = (month: string, activeSince: string, lastActiveDay: string | null = null) =>
  computeStatement(version, operatorEvidence(month, { operator: { activeSince, lastActiveDay }, nodes: [] }), month).lines;

describe('retention_bonus', () => {
  it.each<[string, string, string, string | null, string | null, number]>([
    // quarter ends: March, June, September, December
    ['December, 6 months on 2028-01-01', '2027-12', '2027-07-01', null, 'retained', 10000],
    ['March, 6 months on 2027-04-01 (from August 31, clamped: 2027-02-28 + ...)', '2027-03', '2026-09-30', null, 'retained', 10000],
    ['March, tenure reached on 2027-04-02', '2027-03', '2026-10-02', null, 'tenure_too_short', 0],
    ['still active on the last day', '2027-09', '2027-01-01', '2027-09-30', 'retained', 10000],
    ['left the day before', '2027-09', '2027-01-01', '2027-09-29', 'left_before_quarter_end', 0],
    ['not a quarter end', '2027-08', '2020-01-01', null, null, 0],
  ])('%s', (_name, month, since, last, reason, cents) => {
    const lines = run(month, since, last);
    if (reason === null) expect(lines).toEqual([]);
    else expect(lines[0]).toMatchObject({ reason, amountCents: cents });
  });
});
