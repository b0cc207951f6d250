/**
 * A report as data: a title, key figures and tables. The renderers (Markdown, CSV, JSON) read only this,
 * so every report kind renders the same way. Pure.
 */
export type Cell = string | number | null;

export interface Table {
  columns: string[];
  rows: Cell[][];
}

export interface Section {
  heading: string;
  /** Key figures, in order. */
  facts?: Array<[string, Cell]>;
  table?: Table;
}

export interface ReportDoc {
  kind: string;
  title: string;
  period: { id: string; start: string; end: string };
  sections: Section[];
}

export type Format = 'md' | 'csv' | 'json';
export const FORMATS: readonly Format[] = ['md', 'csv', 'json'];
export const CONTENT_TYPES: Record<Format, string> = {
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

const show = (c: Cell) => (c === null ? '—' : String(c));
const mdCell = (c: Cell) => show(c).replaceAll('|', '\\|').replaceAll('\n', ' ');

export function renderMarkdown(doc: ReportDoc): string {
  const out = [`# ${doc.title}`, '', `Period: ${doc.period.id} (${doc.period.start} to ${doc.period.end}, UTC)`];
  for (const s of doc.sections) {
    out.push('', `## ${s.heading}`, '');
    for (const [k, v] of s.facts ?? []) out.push(`- ${k}: ${show(v)}`);
    if (s.facts?.length && s.table) out.push('');
    if (s.table) {
      if (s.table.rows.length === 0) out.push('_none_');
      else {
        out.push(`| ${s.table.columns.join(' | ')} |`, `|${s.table.columns.map(() => '---').join('|')}|`);
        for (const r of s.table.rows) out.push(`| ${r.map(mdCell).join(' | ')} |`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

const csvCell = (c: Cell) => {
  const s = c === null ? '' : String(c);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};
const csvLine = (cells: Cell[]) => cells.map(csvCell).join(',');

/** One CSV: each section's facts as `section,figure,value` rows, then each table under its own header (first column `section`), blocks separated by a blank line. */
export function renderCsv(doc: ReportDoc): string {
  const blocks: string[] = [];
  const facts = doc.sections.flatMap((s) => (s.facts ?? []).map(([k, v]) => csvLine([s.heading, k, v])));
  blocks.push(
    [
      csvLine(['section', 'figure', 'value']),
      csvLine(['report', 'kind', doc.kind]),
      csvLine(['report', 'period', doc.period.id]),
      ...facts,
    ].join('\n'),
  );
  for (const s of doc.sections)
    if (s.table) blocks.push([csvLine(['section', ...s.table.columns]), ...s.table.rows.map((r) => csvLine([s.heading, ...r]))].join('\n'));
  return `${blocks.join('\n\n')}\n`;
}

export const renderJson = (doc: ReportDoc): string => `${JSON.stringify(doc, null, 2)}\n`;

export function render(doc: ReportDoc, format: Format): string {
  return format === 'md' ? renderMarkdown(doc) : format === 'csv' ? renderCsv(doc) : renderJson(doc);
}
