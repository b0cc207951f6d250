/** The console's 90-day bar as SVG paths (console/src/lib/bars.ts): one path per colour, a rectangle per day. */
import { describe, expect, it } from 'vitest';
import { paths } from '../console/src/lib/bars.ts';

const day = (s: Partial<Record<'up' | 'down' | 'unknown' | 'maintenance' | 'noData', number>>, meets: boolean | null = true) => ({
  day: '2026-12-01',
  upSeconds: s.up ?? 0,
  downSeconds: s.down ?? 0,
  unknownSeconds: s.unknown ?? 0,
  maintenanceSeconds: s.maintenance ?? 0,
  noDataSeconds: s.noData ?? 0,
  ratio: null,
  meetsThreshold: meets,
});

// Colours in paths' order: down, unknown, maintenance, no data, up (meets), up (below).
describe('bar paths', () => {
  it('a day of one colour is its whole column; a mixed day stacks down at the bottom (at least 3 units) and up above', () => {
    // Four days: columns 25 wide, drawn 20 wide from 2.5 in.
    const d = paths([
      day({ up: 86_400 }),
      day({ up: 86_400 }, false),
      day({ down: 864, up: 85_536 }),
      day({}),
      // (no fifth day: 4 columns)
    ]);
    expect(d).toEqual([
      // down: 1 % of the day is 0.34 units, drawn 3 tall at the bottom (y 31)
      'M52.5 31h20v3h-20z',
      '',
      '',
      '',
      // up that meets the threshold: day 1 whole, day 3 above its down part (0.99 × 34 = 33.66 tall)
      'M2.5 0h20v34h-20zM52.5 0h20v33.66h-20z',
      // up below the threshold: day 2 whole
      'M27.5 0h20v34h-20z',
    ]);
  });

  it('no data for a whole day is its own colour, full height; maintenance and unknown stack in order', () => {
    const d = paths([day({ noData: 86_400 }, null), day({ unknown: 43_200, maintenance: 43_200 }, null)]);
    // Two columns 50 wide, drawn 40 wide from 5 and 55.
    expect(d).toEqual(['', 'M55 17h40v17h-40z', 'M55 0h40v17h-40z', 'M5 0h40v34h-40z', '', '']);
  });
});
