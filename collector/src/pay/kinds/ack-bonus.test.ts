import { describe, expect, it } from 'vitest';
import { computeStatement } from '../engine.ts';
import type { IncidentEvidence } from '../evidence.ts';
import { at, operatorEvidence, versionWith } from '../testkit.ts';

const inc = (id: string, severity: string, ackAfterS: number | null): IncidentEvidence => ({
  id,
  severity,
  openedAt: at('2027-04-03T10:00:00Z'),
  acknowledgedAt: ackAfterS === null ? null : at('2027-04-03T10:00:00Z') + ackAfterS * 1000,
});
const run = (incidents: IncidentEvidence[], extra: Record<string, unknown> = {}) =>
  computeStatement(
    versionWith({ code: 'ack', kind: 'ack_bonus', withinMinutes: 30, amountCents: 2000, ...extra }),
    operatorEvidence('2027-04', { incidents }),
    '2027-04',
  ).lines[0]!;

describe('ack_bonus', () => {
  it.each<[string, IncidentEvidence[], Record<string, unknown>, string, number]>([
    ['no incident pays by default', [], {}, 'no_critical_incidents', 2000],
    ['no incident, when the policy wants some', [], { paysWithoutIncidents: false }, 'no_critical_incidents', 0],
    ['all at the limit', [inc('a', 'P1', 1800), inc('b', 'P2', 10)], {}, 'all_acknowledged_in_time', 2000],
    ['one late', [inc('a', 'P1', 1801), inc('b', 'P2', 10)], {}, 'acknowledgement_late', 0],
    [
      'a late P3 does not count when only P0-P2 do',
      [inc('a', 'P3', 7200), inc('b', 'P2', 10)],
      { severities: ['P0', 'P1', 'P2'] },
      'all_acknowledged_in_time',
      2000,
    ],
  ])('%s', (_name, incidents, extra, reason, cents) => {
    expect(run(incidents, extra)).toMatchObject({ reason, amountCents: cents });
  });

  it('cites each incident with its acknowledgement time', () => {
    const line = run([inc('a', 'P1', 1801), inc('b', 'P2', null)]);
    expect(line.refs.incidents!.map((i) => [i.id, i.ackSeconds])).toEqual([
      ['a', 1801],
      ['b', null],
    ]);
    expect(line.formula).toBe('0/2 critical incidents acknowledged within 30 min (late: a, b)');
  });
});
