/**
 * Tier eligibility: proposals for an admin to decide, never decisions. Pure.
 *
 * - Promotion `from → to` is proposed when each of the last `months` calendar months (ending with
 *   the month evaluated, none missing) had uptime at or above `atOrAbovePct`.
 * - Termination: a month with uptime below `belowPct` starts a warning; `consecutiveMonths` such
 *   months in a row (ending with the month evaluated) flag a termination risk. A month with nothing
 *   observed (no UP or DOWN time) or missing from the history ends the run: it proves nothing.
 */
import { Type, type Static } from '@sinclair/typebox';
import { observedSeconds } from './figures.ts';
import { passes, pctText } from './kinds/common.ts';
import { monthFromIndex, monthIndex } from './month.ts';
import { percentString } from './money.ts';
import type { Eligibility } from './policy-schema.ts';

/** An operator's UP and DOWN seconds in one month, as its statement counts them. */
export const MonthUptime = Type.Object({ month: Type.String(), upSeconds: Type.Integer(), downSeconds: Type.Integer() });
export type MonthUptime = Static<typeof MonthUptime>;

/** A proposal for an admin to decide (the API's schema too). */
export const Proposal = Type.Union([
  Type.Object({
    type: Type.Literal('promotion'),
    reason: Type.Literal('sustained_uptime'),
    from: Type.String(),
    to: Type.String(),
    months: Type.Array(Type.String()),
    detail: Type.String(),
  }),
  Type.Object({
    type: Type.Union([Type.Literal('termination_warning'), Type.Literal('termination_risk')]),
    reason: Type.Literal('uptime_below_threshold'),
    months: Type.Array(Type.String()),
    detail: Type.String(),
  }),
]);
export type Proposal = Static<typeof Proposal>;

/** The trailing run of months (newest first) ending at `asOf` for which `ok` holds. */
function trailing(history: MonthUptime[], asOf: string, ok: (m: MonthUptime) => boolean): MonthUptime[] {
  const byMonth = new Map(history.map((h) => [h.month, h]));
  const run: MonthUptime[] = [];
  for (let i = monthIndex(asOf); ; i--) {
    const m = byMonth.get(monthFromIndex(i));
    if (!m || observedSeconds(m) === 0 || !ok(m)) return run;
    run.push(m);
  }
}

const ratios = (run: MonthUptime[]) =>
  [...run]
    .reverse()
    .map((m) => `${m.month} ${percentString(m.upSeconds, observedSeconds(m), 3)} %`)
    .join(', ');

export function tierProposals(rules: Eligibility, tier: string, history: MonthUptime[], asOf: string): Proposal[] {
  const out: Proposal[] = [];
  for (const p of rules.promotions.filter((r) => r.from === tier)) {
    const run = trailing(history, asOf, (m) => passes(m.upSeconds, observedSeconds(m), p.atOrAbovePct, 'at_or_above')).slice(0, p.months);
    if (run.length === p.months) {
      out.push({
        type: 'promotion',
        reason: 'sustained_uptime',
        from: p.from,
        to: p.to,
        months: run.map((m) => m.month).reverse(),
        detail: `${p.months} months at or above ${pctText(p.atOrAbovePct)}: ${ratios(run)}`,
      });
    }
  }
  const t = rules.termination;
  if (t) {
    const run = trailing(history, asOf, (m) => !passes(m.upSeconds, observedSeconds(m), t.belowPct, 'at_or_above'));
    if (run.length) {
      const risk = run.length >= t.consecutiveMonths;
      out.push({
        type: risk ? 'termination_risk' : 'termination_warning',
        reason: 'uptime_below_threshold',
        months: run.map((m) => m.month).reverse(),
        detail: `${run.length} consecutive month(s) below ${pctText(t.belowPct)} (${t.consecutiveMonths} flag a termination risk): ${ratios(run)}`,
      });
    }
  }
  return out;
}
