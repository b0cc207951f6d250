import { describe, expect, it } from 'vitest';
import { computeStatement } from '../engine.ts';
import type { TaskImport } from '../evidence.ts';
import { operatorEvidence, versionWith } from '../testkit.ts';

const run = (tasks: TaskImport[], extra: Record<string, unknown> = {}) =>
  computeStatement(
    versionWith({ code: 'tasks', kind: 'task_bonus', completionPct: 95, amountCents: 3000, ...extra }),
    operatorEvidence('2027-04', { tasks }),
    '2027-04',
  ).lines[0]!;

describe('task_bonus', () => {
  it.each<[string, TaskImport[], Record<string, unknown>, string, number]>([
    ['above', [{ sourceId: 'a', assigned: 20, completed: 20 }], {}, 'threshold_met', 3000],
    ['at, strictly above required', [{ sourceId: 'a', assigned: 20, completed: 19 }], {}, 'threshold_not_met', 0],
    ['at, at_or_above', [{ sourceId: 'a', assigned: 20, completed: 19 }], { comparison: 'at_or_above' }, 'threshold_met', 3000],
    ['nothing assigned', [{ sourceId: 'a', assigned: 0, completed: 0 }], {}, 'no_tasks_assigned', 0],
    ['no import', [], {}, 'no_task_import', 0],
  ])('%s', (_name, tasks, extra, reason, cents) => {
    expect(run(tasks, extra)).toMatchObject({ reason, amountCents: cents });
  });

  it('cites the imports', () => {
    expect(run([{ sourceId: 'crm-2027-04', assigned: 3, completed: 3 }]).refs.taskImports).toEqual([
      { sourceId: 'crm-2027-04', assigned: 3, completed: 3 },
    ]);
  });
});
