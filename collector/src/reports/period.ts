/**
 * Report periods (UTC): an ISO week `2026-W48` (Monday 00:00 to the next Monday) or a calendar month
 * `2026-11`. Pure.
 */
export type Cadence = 'week' | 'month';

export interface Period {
  cadence: Cadence;
  /** `2026-W48` or `2026-11`. */
  id: string;
  start: number;
  end: number;
}

const DAY = 86_400_000;

/** Monday 00:00 UTC of ISO week 1 of `year` (the week holding January 4th). */
function isoWeek1(year: number): number {
  const jan4 = Date.UTC(year, 0, 4);
  return jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY;
}

function weekAt(t: number): Period {
  const monday = Math.floor(t / DAY) * DAY - ((new Date(t).getUTCDay() + 6) % 7) * DAY;
  // The ISO year is the year of the week's Thursday.
  const year = new Date(monday + 3 * DAY).getUTCFullYear();
  const n = Math.round((monday - isoWeek1(year)) / (7 * DAY)) + 1;
  return { cadence: 'week', id: `${year}-W${String(n).padStart(2, '0')}`, start: monday, end: monday + 7 * DAY };
}

function monthAt(t: number): Period {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return { cadence: 'month', id: `${y}-${String(m + 1).padStart(2, '0')}`, start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
}

/** The period of `cadence` containing `t`. */
export const periodAt = (cadence: Cadence, t: number): Period => (cadence === 'week' ? weekAt(t) : monthAt(t));

/** The last period of `cadence` finished at `t` (what a schedule firing at `t` reports on). */
export const previousPeriod = (cadence: Cadence, t: number): Period => periodAt(cadence, periodAt(cadence, t).start - 1);

/** `2026-W48` / `2026-11` as a period, or null when `s` is not one of `cadence`. */
export function parsePeriod(cadence: Cadence, s: string): Period | null {
  if (cadence === 'week') {
    const m = /^(\d{4})-W(\d{2})$/.exec(s);
    if (!m) return null;
    const p = weekAt(isoWeek1(Number(m[1])) + (Number(m[2]) - 1) * 7 * DAY);
    return p.id === s ? p : null;
  }
  const m = /^(\d{4})-(\d{2})$/.exec(s);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return null;
  return monthAt(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
}
