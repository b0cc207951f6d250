/**
 * Adjustments: corrections decided by a person (a dispute's resolution, a fix to a closed month),
 * paid in the open month they are entered in. They follow the policy's lines on a statement, in id
 * order, exactly as decided (whole cents: nothing to round).
 */
import type { Adjustment } from './evidence.ts';
import type { LineItem } from './statement.ts';

/** The code every adjustment line carries; no policy line may use it. */
export const ADJUSTMENT_CODE = 'adjustment';

export function adjustmentLines(adjustments: Adjustment[]): LineItem[] {
  return [...adjustments]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((a) => ({
      code: ADJUSTMENT_CODE,
      kind: ADJUSTMENT_CODE,
      reason: a.reason,
      amountCents: a.amountCents,
      formula: `${a.amountCents}¢ decided by ${a.by}${a.corrects ? ` (corrects ${a.corrects.month}${a.corrects.code ? ` ${a.corrects.code}` : ''})` : ''}: ${a.note}`,
      refs: { adjustment: { id: a.id, by: a.by, note: a.note, ...(a.corrects ? { corrects: a.corrects } : {}) } },
    }));
}
