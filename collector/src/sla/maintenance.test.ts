import { describe, expect, it } from 'vitest';
import {
  coverageNow,
  covers,
  expandWindow,
  maintenanceAt,
  spansForNode,
  stateNow,
  validateDeclaration,
  type MaintenanceDef,
} from './maintenance.ts';

const H = 3_600_000;
const D = 24 * H;
// Sunday 2026-11-01 02:00Z.
const SUN = Date.UTC(2026, 10, 1, 2);

const def = (over: Partial<MaintenanceDef> = {}): MaintenanceDef => ({
  id: 1,
  scope: 'fleet',
  target: null,
  start: SUN,
  end: SUN + 2 * H,
  recurrence: null,
  until: null,
  cancelledAt: null,
  declaredBy: 'lead',
  reason: 'patching',
  ...over,
});
const spans = (d: MaintenanceDef, from: number, to: number) => expandWindow(d, from, to).map((s) => [s.start, s.end]);

describe('expandWindow', () => {
  it.each([
    ['one-off inside the range', def(), SUN - D, SUN + D, [[SUN, SUN + 2 * H]]],
    ['one-off clipped at the range start', def(), SUN + H, SUN + D, [[SUN + H, SUN + 2 * H]]],
    ['one-off outside the range', def(), SUN + 3 * H, SUN + D, []],
    [
      'weekly Sunday 02:00-04:00 over November 2026',
      def({ recurrence: 'weekly' }),
      Date.UTC(2026, 10, 1),
      Date.UTC(2026, 11, 1),
      [0, 1, 2, 3, 4].map((w) => [SUN + w * 7 * D, SUN + w * 7 * D + 2 * H]),
    ],
    [
      'weekly, range starting inside an occurrence',
      def({ recurrence: 'weekly' }),
      SUN + 7 * D + H,
      SUN + 8 * D,
      [[SUN + 7 * D + H, SUN + 7 * D + 2 * H]],
    ],
    [
      'weekly far in the future (no walk from the first occurrence)',
      def({ recurrence: 'weekly' }),
      SUN + 520 * 7 * D,
      SUN + 520 * 7 * D + D,
      [[SUN + 520 * 7 * D, SUN + 520 * 7 * D + 2 * H]],
    ],
    [
      'weekly until: no occurrence starts at or after it',
      def({ recurrence: 'weekly', until: SUN + 14 * D }),
      SUN,
      SUN + 30 * D,
      [
        [SUN, SUN + 2 * H],
        [SUN + 7 * D, SUN + 7 * D + 2 * H],
      ],
    ],
    ['daily before the first occurrence', def({ recurrence: 'daily' }), SUN - 3 * D, SUN + H, [[SUN, SUN + H]]],
    [
      'cancelled mid-occurrence ends it and drops the later ones',
      def({ recurrence: 'weekly', cancelledAt: SUN + 7 * D + H }),
      SUN,
      SUN + 30 * D,
      [
        [SUN, SUN + 2 * H],
        [SUN + 7 * D, SUN + 7 * D + H],
      ],
    ],
  ])('%s', (_name, d, from, to, expected) => {
    expect(spans(d as MaintenanceDef, from as number, to as number)).toEqual(expected);
  });

  it('carries who declared it and why as evidence', () => {
    expect(expandWindow(def({ id: 7, scope: 'operator', target: '3' }), SUN, SUN + H)[0]!.evidence).toEqual({
      windowId: 7,
      scope: 'operator',
      target: '3',
      declaredBy: 'lead',
      reason: 'patching',
    });
  });
});

describe('covers / spansForNode', () => {
  const node = { id: 5, operatorId: 2, region: 'eu' };
  it.each([
    ['fleet', null, true],
    ['node', '5', true],
    ['node', '6', false],
    ['operator', '2', true],
    ['operator', '3', false],
    ['region', 'eu', true],
    ['region', 'us', false],
  ] as const)('%s %s → %s', (scope, target, expected) => {
    expect(covers({ scope, target }, node)).toBe(expected);
  });
  it('a node without operator or region is covered only by node and fleet windows', () => {
    const bare = { id: 9, operatorId: null, region: null };
    expect(covers({ scope: 'operator', target: '2' }, bare)).toBe(false);
    expect(covers({ scope: 'region', target: 'eu' }, bare)).toBe(false);
  });
  it('selects only the windows covering the node', () => {
    const defs = [
      def({ id: 1 }),
      def({ id: 2, scope: 'node', target: '6', start: SUN + 3 * H, end: SUN + 4 * H }),
      def({ id: 3, scope: 'region', target: 'eu', start: SUN + 5 * H, end: SUN + 6 * H }),
    ];
    expect(spansForNode(defs, node, SUN, SUN + D).map((s) => s.evidence.windowId)).toEqual([1, 3]);
  });
});

describe('validateDeclaration', () => {
  const now = SUN - H;
  it.each([
    ['a window ahead is fine', {}, []],
    ['a window starting in the past is refused', { start: now - 1, end: SUN }, ['in_past']],
    ['an empty window', { end: SUN }, ['empty']],
    ['a daily window of 24 h never ends', { recurrence: 'daily', end: SUN + D }, ['longer_than_period']],
    ['until before the start', { recurrence: 'weekly', until: SUN }, ['until_before_start']],
    ['a node window needs its node', { scope: 'node', target: null }, ['target_required']],
    ['a fleet window has no target', { target: 'x' }, ['target_forbidden']],
  ])('%s', (_n, over, expected) => {
    expect(validateDeclaration({ ...def(), ...(over as Partial<MaintenanceDef>) }, now)).toEqual(expected);
  });
});

describe('maintenanceAt and stateNow (the current state every surface shows)', () => {
  const node = { id: 7, operatorId: 3, region: 'eu' };
  it.each([
    ['no window', [], SUN + H, null],
    ['inside a one-off window: its start', [def()], SUN + H, SUN],
    ['at the end of a window (ranges are half-open)', [def()], SUN + 2 * H, null],
    ["inside the third weekly occurrence: that occurrence's start", [def({ recurrence: 'weekly' })], SUN + 14 * D + H, SUN + 14 * D],
    ['between occurrences', [def({ recurrence: 'weekly' })], SUN + 14 * D + 3 * H, null],
    ['a window for another node', [def({ scope: 'node', target: '8' })], SUN + H, null],
    ["a window for the node's region", [def({ scope: 'region', target: 'eu' })], SUN + H, SUN],
    ['a cancelled window, after the cancellation', [def({ cancelledAt: SUN + H })], SUN + H, null],
    ['two windows: the earlier start', [def({ start: SUN + H, end: SUN + 3 * H }), def({ id: 2 })], SUN + 90 * 60_000, SUN],
  ] as const)('%s', (_name, defs, now, start) => {
    expect(maintenanceAt(defs, node, now)?.start ?? null).toBe(start);
  });

  it.each([
    ['settled state outside a window', { state: 'DOWN', since: 5 }, null, { state: 'DOWN', since: 5 }],
    [
      'MAINTENANCE inside one, since the occurrence started',
      { state: 'DOWN', since: 5 },
      { start: 9, end: 20 },
      { state: 'MAINTENANCE', since: 9 },
    ],
    ['UP becomes MAINTENANCE too', { state: 'UP', since: 5 }, { start: 9, end: 20 }, { state: 'MAINTENANCE', since: 9 }],
    ['a node that never reported stays untracked', { state: null, since: null }, { start: 9, end: 20 }, { state: null, since: null }],
  ] as const)('%s', (_name, settled, window, want) => {
    expect(stateNow(settled, window)).toEqual(want);
  });
});

describe('coverageNow (what the windows in force cover, as a list filter reads it)', () => {
  it('takes the windows with an occurrence covering now, by scope, and agrees with maintenanceAt node by node', () => {
    const defs = [
      def({ id: 1, scope: 'node', target: '7' }),
      def({ id: 2, scope: 'operator', target: '3', recurrence: 'weekly' }),
      def({ id: 3, scope: 'region', target: 'eu' }),
      def({ id: 4, scope: 'region', target: 'us', cancelledAt: SUN + 30 * 60_000 }),
      def({ id: 5, scope: 'fleet', target: null, start: SUN + 3 * H, end: SUN + 4 * H }),
    ];
    const now = SUN + H;
    expect(coverageNow(defs, now)).toEqual({ fleet: false, nodeIds: [7], operatorIds: [3], regions: ['eu'] });
    expect(coverageNow(defs, SUN + 3 * H + 1)).toEqual({ fleet: true, nodeIds: [], operatorIds: [], regions: [] });
    expect(coverageNow(defs, SUN + 7 * D + H)).toEqual({ fleet: false, nodeIds: [], operatorIds: [3], regions: [] });
    const c = coverageNow(defs, now);
    for (const node of [
      { id: 7, operatorId: null, region: null },
      { id: 8, operatorId: 3, region: null },
      { id: 9, operatorId: 4, region: 'eu' },
      { id: 10, operatorId: 4, region: 'us' },
      { id: 11, operatorId: null, region: null },
    ]) {
      const covered =
        c.fleet ||
        c.nodeIds.includes(node.id) ||
        (node.operatorId !== null && c.operatorIds.includes(node.operatorId)) ||
        (node.region !== null && c.regions.includes(node.region));
      expect(covered, `node ${node.id}`).toBe(maintenanceAt(defs, node, now) !== null);
    }
  });
});
