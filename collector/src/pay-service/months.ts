/** Month names from requests, and the rule that a closed month never changes. */
import type { Queryable } from '../stores/statements.ts';
import { Errors } from '../errors.ts';
import { monthOf, dayOf, parseMonth, type Month } from '../pay/month.ts';
import { lastClosedMonth } from '../stores/statements.ts';

export function monthOrBadRequest(month: string): Month {
  try {
    return parseMonth(month);
  } catch (e) {
    throw new Errors.BadRequest((e as Error).message);
  }
}

/** The month (YYYY-MM, UTC) holding `t`. */
export const monthAt = (t: number): string => monthOf(dayOf(t));

/**
 * Refuses a change dated `at` (ms) when its month is closed, or any month after it is: closed months
 * are final, and closes happen in order.
 */
export async function assertOpenAt(sql: Queryable, at: number, what: string): Promise<void> {
  const closed = await lastClosedMonth(sql);
  if (closed && monthAt(at) <= closed.month)
    throw new Errors.MonthClosed(
      `${what} is dated ${new Date(at).toISOString()}, in a closed month (closed through ${closed.month}); correct a closed month with an adjustment in an open month`,
    );
}

/** Refuses a change to a month that is closed (or precedes the last closed one). */
export async function assertOpenMonth(sql: Queryable, month: string, what: string): Promise<void> {
  monthOrBadRequest(month);
  await assertOpenAt(sql, parseMonth(month).start, what);
}
