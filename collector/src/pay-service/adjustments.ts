/** Adjustments as the pay evidence holds them, from their rows. */
import type { Adjustment } from '../pay/index.ts';
import type { AdjustmentRow } from '../stores/statements.ts';

export function adjustmentEvidence(a: AdjustmentRow): Adjustment {
  const corrects = a.correctsMonth ? { month: a.correctsMonth, ...(a.correctsCode ? { code: a.correctsCode } : {}) } : undefined;
  return {
    id: String(a.id).padStart(10, '0'),
    amountCents: a.amountCents,
    reason: a.reason,
    note: a.note,
    by: a.by,
    ...(corrects ? { corrects } : {}),
  };
}
