/** `task_bonus`: an amount when the imported task completion (completed / assigned) passes a threshold. */
import { Type } from '@sinclair/typebox';
import { Comparison, Prorate, comparisonWords, monthly, passes, pctText, zero } from './common.ts';
import { defineOperatorKind } from './kind.ts';

export default defineOperatorKind({
  kind: 'task_bonus',
  subject: 'operator',
  summary: 'an amount when task completion from the task imports passes a threshold',
  params: Type.Object(
    {
      completionPct: Type.Number({ minimum: 0, maximum: 100 }),
      amountCents: Type.Integer({ minimum: 0 }),
      comparison: Comparison,
      prorate: Prorate,
    },
    { additionalProperties: false },
  ),
  compute(p, ctx) {
    const refs = { taskImports: ctx.tasks.map((t) => ({ sourceId: t.sourceId, assigned: t.assigned, completed: t.completed })) };
    if (ctx.tasks.length === 0) return [zero('no_task_import', 'no task import for this month', refs)];
    const assigned = ctx.tasks.reduce((s, t) => s + t.assigned, 0);
    const completed = ctx.tasks.reduce((s, t) => s + t.completed, 0);
    if (assigned === 0) return [zero('no_tasks_assigned', 'no task assigned this month', refs)];
    const words = `${completed}/${assigned} tasks completed`;
    if (!passes(completed, assigned, p.completionPct, p.comparison))
      return [zero('threshold_not_met', `${words}, not ${comparisonWords(p.comparison)} ${pctText(p.completionPct)}`, refs)];
    const m = monthly(p.amountCents, p.prorate, ctx);
    return [
      {
        reason: 'threshold_met',
        amount: m.amount,
        formula: `${words} ${comparisonWords(p.comparison)} ${pctText(p.completionPct)}: ${m.formula}`,
        refs: { ...refs, ...m.refs },
      },
    ];
  },
});
