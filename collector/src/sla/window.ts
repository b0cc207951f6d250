/**
 * The time windows an uptime read may ask for, pure: `?window=` lengths, `?month=` names and `?from&to`
 * ranges, each bounded to what the collector keeps (state intervals, `retention.intervalDays`) and to
 * now. A figure never covers time after now or before the oldest interval kept, so every range is
 * bounded before any query or maintenance expansion runs: a request for `to=9999-12-31` costs what a
 * request up to now costs.
 */
import { FleetError } from '@timmy/shared';
import { monthOf } from './budget.ts';
import { calendarMonth } from './summary.ts';
import type { Span } from './types.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** What `?window=` accepts, for error messages and the API docs. */
export const WINDOW_FORMS = '24h, 7d, 30d, 90d, or any other Nd (days) or Nh (hours)';

/** Months accepted ahead of the current one (a budget can be read for a month not yet started). */
export const MONTHS_AHEAD = 12;

/** A problem with a requested window: a bad request. */
export class WindowError extends FleetError<'FLEET_BAD_REQUEST'> {
  constructor(message: string) {
    super('FLEET_BAD_REQUEST', message, { statusCode: 400 });
  }
}

/** The length of a rolling window (`30d`, `24h`), at least an hour and at most the interval retention. */
export function windowLength(spec: string, retentionMs: number): number {
  const m = /^([1-9][0-9]{0,5})([dh])$/.exec(spec);
  const days = Math.floor(retentionMs / DAY_MS);
  const accepted = `window must be ${WINDOW_FORMS}, up to ${days}d (the retention of state intervals)`;
  if (!m) throw new WindowError(`${accepted}; got "${spec.slice(0, 40)}"`);
  const ms = Number(m[1]) * (m[2] === 'd' ? DAY_MS : HOUR_MS);
  if (ms > retentionMs) throw new WindowError(`${accepted}; ${spec} is longer`);
  return ms;
}

/**
 * A calendar month in UTC ("2026-11" → [Nov 1 00:00Z, Dec 1 00:00Z)), accepted from the month holding
 * the oldest interval kept up to MONTHS_AHEAD months after the current one. Years are taken literally
 * ("0026-11" is refused as out of range, never read as 1926).
 */
export function monthSpan(month: string, now: number, retentionMs: number): Span {
  let span: Span;
  try {
    span = calendarMonth(month);
  } catch (e) {
    throw new WindowError((e as Error).message);
  }
  const first = monthOf(now - retentionMs).start;
  const last = new Date(monthOf(now).start).setUTCMonth(new Date(now).getUTCMonth() + MONTHS_AHEAD);
  if (span.start < first || span.start > last) {
    throw new WindowError(
      `month must be between ${monthOf(first).name} and ${monthOf(last).name} (state intervals are kept ${Math.floor(retentionMs / DAY_MS)} days); got "${month}"`,
    );
  }
  return span;
}

/**
 * [from, to) as read: `from` within the history kept (an older one is refused, naming the oldest time
 * kept), `to` clamped to now (no figure covers the future, however far `to` is).
 */
export function boundRange(from: number, to: number, now: number, retentionMs: number): Span {
  if (!(to > from)) throw new WindowError('to must be after from');
  const oldest = now - retentionMs;
  if (from < oldest)
    throw new WindowError(
      `from must not be before ${new Date(oldest).toISOString()}: state intervals are kept ${Math.floor(retentionMs / DAY_MS)} days`,
    );
  if (from >= now) throw new WindowError('from must be before now');
  return { start: from, end: Math.min(to, now) };
}
