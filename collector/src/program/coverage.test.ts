import { describe, expect, it } from 'vitest';
import { regionCoverage, regionsAtRisk, type CoverageRules, type OperatorInRegion } from './coverage.ts';
import type { LifecycleState } from './lifecycle.ts';

const op = (operatorId: string, region: string, state: LifecycleState = 'certified'): OperatorInRegion => ({ operatorId, region, state });

describe('regionCoverage', () => {
  it.each([
    ['two certified operators: covered', [op('a', 'eu'), op('b', 'eu')], {}, [['eu', 2, 2, false]]],
    ['one: at risk', [op('a', 'eu')], {}, [['eu', 1, 2, true]]],
    [
      'probation, senior and fleet lead count',
      [op('a', 'us', 'probation'), op('b', 'us', 'senior'), op('c', 'us', 'fleet_lead')],
      {},
      [['us', 3, 2, false]],
    ],
    [
      'suspended, exited, rejected and applicants do not count',
      [op('a', 'eu'), op('b', 'eu', 'suspended'), op('c', 'eu', 'exited'), op('d', 'eu', 'rejected'), op('e', 'eu', 'training')],
      {},
      [['eu', 1, 2, true]],
    ],
    [
      'a region nobody is in yet shows 0 when configured',
      [op('a', 'eu'), op('b', 'eu')],
      { regions: ['ap', 'eu'] },
      [
        ['ap', 0, 2, true],
        ['eu', 2, 2, false],
      ],
    ],
    [
      'a region whose only operator left',
      [op('a', 'ap', 'exited'), op('b', 'eu'), op('c', 'eu')],
      {},
      [
        ['ap', 0, 2, true],
        ['eu', 2, 2, false],
      ],
    ],
    ['the same operator listed twice counts once', [op('a', 'eu'), op('a', 'eu')], {}, [['eu', 1, 2, true]]],
    ['required 3', [op('a', 'eu'), op('b', 'eu')], { required: 3 }, [['eu', 2, 3, true]]],
    ['required 1', [op('a', 'eu')], { required: 1 }, [['eu', 1, 1, false]]],
    [
      'only certified and above counted',
      [op('a', 'eu', 'probation'), op('b', 'eu')],
      { countedStates: ['certified', 'senior', 'fleet_lead'] },
      [['eu', 1, 2, true]],
    ],
    [
      'sorted by region',
      [op('a', 'us'), op('b', 'ap'), op('c', 'eu')],
      {},
      [
        ['ap', 1, 2, true],
        ['eu', 1, 2, true],
        ['us', 1, 2, true],
      ],
    ],
    ['nobody, nothing configured', [], {}, []],
  ] as Array<[string, OperatorInRegion[], Partial<CoverageRules>, Array<[string, number, number, boolean]>]>)(
    '%s',
    (_name, operators, rules, expected) => {
      expect(regionCoverage(operators, rules)).toEqual(
        expected.map(([region, active, required, atRisk]) => ({ region, active, required, atRisk })),
      );
    },
  );

  it('regionsAtRisk keeps only those below the requirement', () => {
    expect(regionsAtRisk([op('a', 'eu'), op('b', 'eu'), op('c', 'us')]).map((r) => r.region)).toEqual(['us']);
  });
});
