/** Calendar months and days in UTC, the pay period's arithmetic. Months are `YYYY-MM`, days `YYYY-MM-DD`. */

export const DAY_MS = 86_400_000;
export const MONTH_PATTERN = '^\\d{4}-(0[1-9]|1[0-2])$';
export const DAY_PATTERN = '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$';

export interface Month {
  id: string;
  year: number;
  /** 1-12 */
  month: number;
  /** First instant (ms epoch, UTC). */
  start: number;
  /** First instant of the next month. */
  end: number;
  days: number;
  seconds: number;
}

export function parseMonth(id: string): Month {
  if (!new RegExp(MONTH_PATTERN).test(id)) throw new RangeError(`not a month (YYYY-MM): ${JSON.stringify(id)}`);
  const year = Number(id.slice(0, 4));
  const month = Number(id.slice(5, 7));
  const start = Date.UTC(year, month - 1, 1);
  const end = Date.UTC(year, month, 1);
  const days = (end - start) / DAY_MS;
  return { id, year, month, start, end, days, seconds: days * 86_400 };
}

/** Start of a day (ms epoch, UTC); throws on a date that does not exist (2027-02-30). */
export function dayStart(day: string): number {
  if (!new RegExp(DAY_PATTERN).test(day)) throw new RangeError(`not a day (YYYY-MM-DD): ${JSON.stringify(day)}`);
  const ms = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
  if (new Date(ms).toISOString().slice(0, 10) !== day) throw new RangeError(`no such day: ${day}`);
  return ms;
}

export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
export const monthOf = (day: string): string => day.slice(0, 7);

/** Month number since year 0, so months subtract: index('2027-01') - index('2026-12') = 1. */
export const monthIndex = (id: string): number => Number(id.slice(0, 4)) * 12 + Number(id.slice(5, 7)) - 1;
export function monthFromIndex(i: number): string {
  return `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** The day `months` calendar months after `day`, clamped to the end of a shorter month (08-31 + 6 → 02-28/29). */
export function addMonths(day: string, months: number): string {
  const target = monthIndex(day) + months;
  const m = parseMonth(monthFromIndex(target));
  return dayOf(m.start + (Math.min(Number(day.slice(8, 10)), m.days) - 1) * DAY_MS);
}

/** Calendar quarter of a month: its first and last month. */
export function quarterOf(id: string): { first: string; last: string } {
  const i = monthIndex(id);
  const first = i - (i % 3);
  return { first: monthFromIndex(first), last: monthFromIndex(first + 2) };
}

/** Days of `month` on which someone active from `since` through `lastDay` (inclusive; null = still active) was active. */
export function activeDays(month: Month, since: string, lastDay: string | null): number {
  const from = Math.max(month.start, dayStart(since));
  const to = Math.min(month.end, lastDay === null ? month.end : dayStart(lastDay) + DAY_MS);
  return Math.max(0, (to - from) / DAY_MS);
}
