/** Task imports: counts of assigned and completed tasks per operator and month, from outside. */
import type { Queryable } from './statements.ts';

export interface TaskImportRow {
  id: number;
  sourceId: string;
  operatorId: number;
  operator: string;
  month: string;
  assigned: number;
  completed: number;
  importedBy: string;
  importedAt: Date;
}

type Row = {
  id: number;
  source_id: string;
  operator_id: number;
  operator: string;
  month: string;
  assigned: number;
  completed: number;
  imported_by: string;
  imported_at: Date;
};
const toImport = (r: Row): TaskImportRow => ({
  id: r.id,
  sourceId: r.source_id,
  operatorId: r.operator_id,
  operator: r.operator,
  month: r.month,
  assigned: r.assigned,
  completed: r.completed,
  importedBy: r.imported_by,
  importedAt: r.imported_at,
});

/** Imports of a month (for one operator, or all), in source order. */
export async function taskImportsOf(sql: Queryable, month: string, operator?: string): Promise<TaskImportRow[]> {
  const rows = await sql<Row[]>`
    select t.id::float8 as id, t.source_id, t.operator_id::float8 as operator_id, o.name as operator, t.month, t.assigned, t.completed, t.imported_by, t.imported_at
    from task_imports t join operators o on o.id = t.operator_id
    where t.month = ${month} ${operator === undefined ? sql`` : sql`and o.name = ${operator}`}
    order by t.source_id`;
  return rows.map(toImport);
}

/** Imports already stored under these source ids. */
export async function taskImportsBySource(sql: Queryable, sourceIds: readonly string[]): Promise<TaskImportRow[]> {
  const rows = await sql<Row[]>`
    select t.id::float8 as id, t.source_id, t.operator_id::float8 as operator_id, o.name as operator, t.month, t.assigned, t.completed, t.imported_by, t.imported_at
    from task_imports t join operators o on o.id = t.operator_id
    where t.source_id = any(${sourceIds as string[]}::text[])`;
  return rows.map(toImport);
}

export interface NewTaskImport {
  sourceId: string;
  operatorId: number;
  month: string;
  assigned: number;
  completed: number;
}

/** Inserts the imports whose source id is new; returns their source ids. */
export async function insertTaskImports(sql: Queryable, rows: NewTaskImport[], by: string, now: Date): Promise<string[]> {
  if (!rows.length) return [];
  const inserted = await sql<{ source_id: string }[]>`
    insert into task_imports ${sql(
      rows.map((r) => ({
        source_id: r.sourceId,
        operator_id: r.operatorId,
        month: r.month,
        assigned: r.assigned,
        completed: r.completed,
        imported_by: by,
        imported_at: now,
      })),
    )}
    on conflict (source_id) do nothing
    returning source_id`;
  return inserted.map((r) => r.source_id);
}
