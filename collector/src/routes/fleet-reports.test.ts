/**
 * Reports through the API, in process on a real database with a hand-driven clock, over the pay
 * README example (six nodes of alice in April 2027; n3 down 2.5 h and in maintenance 2 h, n4 unknown 1 h).
 */
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../cli.ts';
import { payExample } from '../../../test/support/pay-example.ts';
import type { ReportDoc } from '../reports/document.ts';

const ex = payExample('report_routes', '2027-05-20T00:00:00Z');
const { auth } = ex;

const get = (url: string) => ex.c.app.inject({ method: 'GET', url, headers: auth });
const doc = async (url: string): Promise<ReportDoc> => {
  const r = await get(url);
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as ReportDoc;
};
const facts = (d: ReportDoc, heading: string) => Object.fromEntries(d.sections.find((s) => s.heading === heading)!.facts!);
const rows = (d: ReportDoc, heading: string) => d.sections.find((s) => s.heading === heading)!.table!.rows;

describe('reports through the API', () => {
  it('weekly fleet report for 2027-W14 (5-12 April): n3 down 9 000 s of 604 800 s = 98.51 %; fleet 9 000 s of 6 x 604 800 s = 99.75 %', async () => {
    const d = await doc('/v1/reports/weekly-fleet?period=2027-W14&format=json');
    expect(d.period).toEqual({ id: '2027-W14', start: '2027-04-05T00:00:00.000Z', end: '2027-04-12T00:00:00.000Z' });
    expect(facts(d, 'Fleet')).toMatchObject({ Nodes: 6, 'Fleet uptime %': 99.75, Incidents: 1 });
    const byNode = Object.fromEntries(rows(d, 'Nodes').map((r) => [r[0], r]));
    expect(byNode.n3!.slice(0, 6)).toEqual(['n3', 'alice', 'certified', 98.51, 2.5, 0]);
    expect(byNode.n1!.slice(0, 6)).toEqual(['n1', 'alice', 'certified', 100, 0, 1]);
  });

  it('monthly program report for 2027-04: uptime over the 30 days with maintenance set apart, the incident log, payouts from the estimate, then from the closed statements', async () => {
    // Counted: 6 x 2 592 000 s - 7 200 s maintenance - 3 600 s unknown = 15 541 200 s; down 9 000 s: 99.94 %.
    // n3: 9 000 s down of 2 592 000 - 7 200 = 2 584 800 s: 99.65 %.
    const open = await doc('/v1/reports/monthly-program?period=2027-04&format=json');
    expect(facts(open, 'Summary')['Fleet uptime % (30 days)']).toBe(99.94);
    expect(
      rows(open, 'Node inventory')
        .find((r) => r[0] === 'n3')!
        .slice(4),
    ).toEqual([99.65, 2.5, 0]);
    expect(rows(open, 'Incident log').map((r) => [r[0], r[2]])).toEqual([
      ['2027-04-08', 'n1'],
      ['2027-04-19', 'n2'],
    ]);
    expect(facts(open, 'Payouts by category').Source).toBe('estimate (month not closed)');

    const close = await ex.c.app.inject({ method: 'POST', url: '/v1/admin/months/2027-04/close', headers: auth });
    expect(close.statusCode, close.body).toBe(200);
    const closed = await doc('/v1/reports/monthly-program?period=2027-04&format=json');
    expect(facts(closed, 'Payouts by category').Source).toBe('closed statements');
    const statements = (await get('/v1/months/2027-04/statements')).json() as Array<{ totalCents: number }>;
    const total = statements.reduce((a, s) => a + s.totalCents, 0);
    expect(rows(closed, 'Payouts by category').at(-1)).toEqual(['total', (total / 100).toFixed(2)]);
  });

  it('Markdown and CSV with their content types; the default format is Markdown', async () => {
    const md = await get('/v1/reports/weekly-fleet?period=2027-W14');
    expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(md.body).toContain('# Weekly fleet report');
    expect(md.body).toContain('| n3 | alice | certified | 98.51 | 2.5 | 0 |');
    const csv = await get('/v1/reports/weekly-fleet?period=2027-W14&format=csv');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body).toContain('Fleet,Fleet uptime %,99.75');
  });

  it('refuses an unknown kind (404), a period of the wrong cadence or format (400), and no credential (401)', async () => {
    const kind = await get('/v1/reports/nope');
    expect([kind.statusCode, kind.json().code]).toEqual([404, 'FLEET_NOT_FOUND']);
    const period = await get('/v1/reports/weekly-fleet?period=2027-04');
    expect([period.statusCode, period.json().code]).toEqual([400, 'FLEET_BAD_REQUEST']);
    expect(period.json().message).toContain('2026-W48');
    const format = await get('/v1/reports/weekly-fleet?format=pdf');
    expect([format.statusCode, format.json().code]).toEqual([400, 'FLEET_BAD_REQUEST']);
    expect((await ex.c.app.inject({ method: 'GET', url: '/v1/reports/weekly-fleet' })).statusCode).toBe(401);
  });
});

describe('reports through the CLI', () => {
  it('report <kind> --period --format writes the report to stdout; an unknown kind or a bad period exits 1 with its code', async () => {
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    const err = vi.spyOn(console, 'error').mockImplementation((...a) => void out.push(a.join(' ')));
    const env = { DATABASE_URL: ex.db.url, LOG_LEVEL: 'silent' };
    try {
      expect(await runCli(['report', 'weekly-fleet', '--period', '2027-W14', '--format', 'md'], env)).toBe(0);
      expect(out.join('')).toContain(
        '# Weekly fleet report\n\nPeriod: 2027-W14 (2027-04-05T00:00:00.000Z to 2027-04-12T00:00:00.000Z, UTC)',
      );
      expect(out.join('')).toMatch(/\| n3 \| alice \| certified \|/);
      out.length = 0;
      expect(await runCli(['report', 'monthly-program', '--period', '2027-04', '--format', 'csv'], env)).toBe(0);
      expect(out.join('')).toContain('report,period,2027-04');
      out.length = 0;
      expect(await runCli(['report', 'nope'], env)).toBe(1);
      expect(out.join('')).toContain('FLEET_NOT_FOUND');
      out.length = 0;
      expect(await runCli(['report', 'monthly-program', '--period', '2027-W14'], env)).toBe(1);
      expect(out.join('')).toContain('FLEET_BAD_REQUEST');
    } finally {
      write.mockRestore();
      err.mockRestore();
    }
  });
});
