/**
 * Task imports: task counts per operator and month come from outside (a CRM, a ticket system), as
 * CSV (`source_id,operator,month,assigned,completed`, a header line first) or JSON rows. Each row is
 * idempotent by its source id: the same row again changes nothing; different counts under a source
 * id already imported are refused (a correction gets a new source id, or an adjustment once closed).
 * Statements cite the imports they counted by source id. Every problem of a request is listed and
 * nothing of it is stored.
 */
import type postgres from 'postgres';
import { isStorableText } from '@timmy/shared';
import { Errors } from '../errors.ts';
import { MONTH_PATTERN } from '../pay/month.ts';
import { lastClosedMonth } from '../stores/statements.ts';
import { insertTaskImports, taskImportsBySource } from '../stores/tasks.ts';

export interface TaskRow {
  sourceId: string;
  operator: string;
  month: string;
  assigned: number;
  completed: number;
}

export interface Problem {
  path: string;
  message: string;
}

export const CSV_HEADER = ['source_id', 'operator', 'month', 'assigned', 'completed'] as const;

/** RFC 4180 fields (quotes doubled inside quoted fields), CRLF or LF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Storable text without control characters (no line breaks in an id or a name). */
const printable = (v: string) => isStorableText(v) && ![...v].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127);

const count = (v: unknown): number | null => {
  const n = typeof v === 'string' && /^\d{1,9}$/.test(v.trim()) ? Number(v.trim()) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= 1_000_000_000 ? n : null;
};

/** Rows from CSV text, with every problem (line numbers count the header as line 1). */
export function rowsFromCsv(text: string): { rows: unknown[]; problems: Problem[] } {
  const [header, ...lines] = parseCsv(text);
  const names = (header ?? []).map((h) => h.trim().toLowerCase());
  const missing = CSV_HEADER.filter((h) => !names.includes(h));
  if (missing.length)
    return {
      rows: [],
      problems: [{ path: 'line 1', message: `the header must name ${CSV_HEADER.join(', ')}; missing ${missing.join(', ')}` }],
    };
  return {
    rows: lines.map((cells) => ({
      sourceId: cells[names.indexOf('source_id')],
      operator: cells[names.indexOf('operator')],
      month: cells[names.indexOf('month')]?.trim(),
      assigned: cells[names.indexOf('assigned')],
      completed: cells[names.indexOf('completed')],
    })),
    problems: [],
  };
}

/** Checks rows (from JSON or CSV); `path` names each row for the problems. */
export function taskRowProblems(rows: unknown[], path: (i: number) => string): { rows: TaskRow[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const out: TaskRow[] = [];
  const seen = new Set<string>();
  if (!rows.length) problems.push({ path: 'rows', message: 'no rows to import' });
  rows.forEach((raw, i) => {
    const at = path(i);
    const r = (raw ?? {}) as Record<string, unknown>;
    const text = (k: string, max: number) => {
      const v = r[k];
      if (typeof v !== 'string' || v.trim() === '' || v.length > max || !printable(v)) {
        problems.push({ path: `${at}.${k}`, message: `must be text of 1 to ${max} printable characters` });
        return '';
      }
      return v.trim();
    };
    const sourceId = text('sourceId', 256);
    const operator = text('operator', 128);
    const month = typeof r.month === 'string' && new RegExp(MONTH_PATTERN).test(r.month) ? r.month : null;
    if (!month) problems.push({ path: `${at}.month`, message: 'must be a month (YYYY-MM)' });
    const assigned = count(r.assigned);
    const completed = count(r.completed);
    if (assigned === null) problems.push({ path: `${at}.assigned`, message: 'must be a whole number, 0 or more' });
    if (completed === null) problems.push({ path: `${at}.completed`, message: 'must be a whole number, 0 or more' });
    if (assigned !== null && completed !== null && completed > assigned)
      problems.push({ path: `${at}.completed`, message: `${completed} completed exceeds ${assigned} assigned` });
    if (sourceId && seen.has(sourceId)) problems.push({ path: `${at}.sourceId`, message: `source id ${sourceId} appears twice` });
    seen.add(sourceId);
    if (sourceId && operator && month && assigned !== null && completed !== null)
      out.push({ sourceId, operator, month, assigned, completed });
  });
  return { rows: out, problems };
}

/**
 * A request's rows, checked: CSV text, or JSON `{rows}` (anything else: no rows). Throws a
 * FLEET_BAD_REQUEST listing every problem (rows named by CSV line or JSON index).
 */
export function parseTaskImport(body: unknown): TaskRow[] {
  const csv = typeof body === 'string' ? rowsFromCsv(body) : null;
  const raw = csv ? csv.rows : (body as { rows?: unknown } | null)?.rows;
  const checked = taskRowProblems(Array.isArray(raw) ? raw : [], (i) => (csv ? `line ${i + 2}` : `rows[${i}]`));
  const problems = [...(csv?.problems ?? []), ...checked.problems];
  if (problems.length) throw refuse(problems);
  return checked.rows;
}

export interface ImportResult {
  imported: string[];
  unchanged: string[];
}

const refuse = (problems: Problem[]) =>
  Object.assign(
    new Errors.BadRequest(
      `the task import has ${problems.length} problem(s): ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    ),
    {
      details: problems,
    },
  );

export async function importTasks(sql: postgres.Sql, rows: TaskRow[], by: string, now: number): Promise<ImportResult> {
  return sql.begin(async (tx) => {
    const problems: Problem[] = [];
    const ops = new Map(
      (
        await tx<
          { id: number; name: string }[]
        >`select id::float8 as id, name from operators where name = any(${[...new Set(rows.map((r) => r.operator))]}::text[])`
      ).map((r) => [r.name, r.id] as const),
    );
    const closed = await lastClosedMonth(tx);
    const existing = new Map(
      (
        await taskImportsBySource(
          tx,
          rows.map((r) => r.sourceId),
        )
      ).map((e) => [e.sourceId, e] as const),
    );
    const unchanged: string[] = [];
    const fresh = rows.filter((r, i) => {
      const at = `rows[${i}]`;
      const before = existing.get(r.sourceId);
      if (before) {
        if (
          before.operator === r.operator &&
          before.month === r.month &&
          before.assigned === r.assigned &&
          before.completed === r.completed
        ) {
          unchanged.push(r.sourceId);
        } else
          problems.push({
            path: `${at}.sourceId`,
            message: `source id ${r.sourceId} was imported already with other figures (${before.operator}, ${before.month}, ${before.completed}/${before.assigned})`,
          });
        return false;
      }
      if (!ops.has(r.operator)) problems.push({ path: `${at}.operator`, message: `no operator ${r.operator}` });
      if (closed && r.month <= closed.month)
        problems.push({ path: `${at}.month`, message: `${r.month} is closed (through ${closed.month})` });
      return true;
    });
    if (problems.some((p) => p.message.includes('is closed (through')) && problems.every((p) => p.message.includes('is closed (through')))
      throw Object.assign(new Errors.MonthClosed(problems.map((p) => `${p.path}: ${p.message}`).join('; ')), { details: problems });
    if (problems.length) throw refuse(problems);
    const imported = await insertTaskImports(
      tx,
      fresh.map((r) => ({
        sourceId: r.sourceId,
        operatorId: ops.get(r.operator)!,
        month: r.month,
        assigned: r.assigned,
        completed: r.completed,
      })),
      by,
      new Date(now),
    );
    return { imported, unchanged };
  });
}
