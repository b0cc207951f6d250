import { describe, expect, it } from 'vitest';
import { checker, fixtures, Report, ReportAck } from '../index.ts';

const report = checker(Report);

describe('wire contract v1', () => {
  it('accepts the golden report and ack', () => {
    expect(report.problems(fixtures.report())).toEqual([]);
    expect(checker(ReportAck).problems(fixtures.ack())).toEqual([]);
  });

  it.each(fixtures.invalidReports().filter((c) => c.body !== undefined).map((c) => [c.why, c.body]))('refuses a report that %s', (_why, body) => {
    expect(report.check(body)).toBe(false);
    expect(report.problems(body).length).toBeGreaterThan(0);
  });

  it('refuses a __proto__ key when the body is parsed keeping it', () => {
    const raw = fixtures.invalidReports().find((c) => c.raw)!.raw!;
    // JSON.parse keeps "__proto__" as an own property; the strict schema must refuse it as unknown.
    const parsed = JSON.parse(raw);
    expect(Object.keys(parsed)).toContain('__proto__');
    expect(report.check(parsed)).toBe(false);
  });
});
