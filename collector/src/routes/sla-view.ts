/** The SLA part of every uptime view (node, operator, region, fleet): threshold, budget, projection. */
import { Type, type Static } from '@sinclair/typebox';
import type { Figures, Window } from '../services/sla.ts';
import { monthOf } from '../sla/budget.ts';
import { WindowError, WINDOW_FORMS, boundRange, monthSpan, windowLength } from '../sla/window.ts';
import { Errors } from '../errors.ts';

const sec = (ms: number) => ms / 1000;

export const SlaFields = {
  thresholdPct: Type.Number({ description: 'the SLA percent this figure is held to (operator tier, or the fleet target)' }),
  budget: Type.Object(
    {
      month: Type.String({ description: "the calendar month (UTC) the budget is for: a ?month= window's own, else the current month" }),
      allowedDownSeconds: Type.Number({ description: 'DOWN the month may contain and still meet the threshold' }),
      usedDownSeconds: Type.Number(),
      leftSeconds: Type.Number({ description: 'negative once the month can no longer meet the threshold' }),
      final: Type.Boolean({ description: 'the month has ended' }),
    },
    { additionalProperties: false },
  ),
  projection: Type.Object(
    {
      ratio: Type.Union([Type.Number(), Type.Null()], {
        description: 'month-end ratio: the month so far plus the rest at the rolling 30-day ratio',
      }),
      downSeconds: Type.Number(),
      meetsThreshold: Type.Union([Type.Boolean(), Type.Null()]),
    },
    { additionalProperties: false },
  ),
};

const SlaObject = Type.Object(SlaFields);

/** The SLA part of an uptime view (threshold, budget, projection) in seconds. */
export function slaView(f: Pick<Figures, 'thresholdPct' | 'budget'>): Static<typeof SlaObject> {
  const b = f.budget;
  return {
    thresholdPct: f.thresholdPct,
    budget: {
      month: monthOf(b.month.start).name,
      allowedDownSeconds: sec(b.allowedDownMs),
      usedDownSeconds: sec(b.usedDownMs),
      leftSeconds: sec(b.leftMs),
      final: b.final,
    },
    projection: { ratio: b.projection.ratio, downSeconds: sec(b.projection.downMs), meetsThreshold: b.projection.meetsThreshold },
  };
}

export const WindowQuery = Type.Object(
  {
    window: Type.Optional(
      Type.String({ description: `a rolling window ending now: ${WINDOW_FORMS}, up to the retention of state intervals (default 30d)` }),
    ),
    month: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}$',
        description: 'a calendar month in UTC, e.g. 2026-11 (from the oldest month kept to 12 months ahead)',
      }),
    ),
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'with to: [from, to); from within the history kept, to clamped to now' }),
    ),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    // Query strings are not type-coerced (bodies must not be), so booleans are spelled out.
    intervals: Type.Optional(
      Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'include the intervals with their evidence' }),
    ),
  },
  { additionalProperties: false },
);

const DAY_MS = 86_400_000;

/** How long state intervals are kept: the oldest time any uptime read can reach. */
export const retentionOf = (config: { retention: { intervalDays: number } }): number => config.retention.intervalDays * DAY_MS;

/**
 * Resolves ?window / ?month / ?from&to into the window read and the month its budget is for (the
 * ?month= asked for, else the current one), bounded to the history kept (see sla/window.ts).
 */
export function slaWindow(q: Static<typeof WindowQuery>, now: number, retentionMs: number): Window {
  const given = [q.window, q.month, q.from ?? q.to].filter((x) => x !== undefined).length;
  if (given > 1) throw new Errors.BadRequest('give one of window, month, or from/to');
  try {
    const month = q.month ? monthSpan(q.month, now, retentionMs) : monthOf(now);
    const budgetMonth = { start: month.start, end: month.end };
    if (q.month) return { from: month.start, to: month.end, month: budgetMonth };
    if (q.from !== undefined || q.to !== undefined) {
      if (q.from === undefined || q.to === undefined) throw new WindowError('from and to go together');
      const r = boundRange(Date.parse(q.from), Date.parse(q.to), now, retentionMs);
      return { from: r.start, to: r.end, month: budgetMonth };
    }
    return { from: now - windowLength(q.window ?? '30d', retentionMs), to: now, month: budgetMonth };
  } catch (e) {
    if (e instanceof WindowError) throw new Errors.BadRequest(e.message);
    throw e;
  }
}
