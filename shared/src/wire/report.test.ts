import { describe, expect, it } from 'vitest';
import { checker, cleanText, fixtures, isStorableText, Report, ReportAck } from '../index.ts';

const report = checker(Report);

describe('wire contract v1', () => {
  it('accepts the golden report and ack', () => {
    expect(report.problems(fixtures.report())).toEqual([]);
    expect(checker(ReportAck).problems(fixtures.ack())).toEqual([]);
  });

  it.each(
    fixtures
      .invalidReports()
      .filter((c) => c.body !== undefined)
      .map((c) => [c.why, c.body]),
  )('refuses a report that %s', (_why, body) => {
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

describe('what the database cannot store is refused by the schema, naming the field', () => {
  const sample = () => structuredClone(fixtures.report());
  it.each([
    ['/samples/0/checks/0/message', (r: Report): void => void (r.samples[0]!.checks![0]!.message = 'a\u0000b')],
    ['/samples/0/checks/0/message', (r: Report): void => void (r.samples[0]!.checks![0]!.message = '\ud800')],
    ['/agentVersion', (r: Report): void => void (r.agentVersion = '\u0000')],
    ['/samples/0/heartbeat/bootId', (r: Report): void => void (r.samples[0]!.heartbeat.bootId = 'x\udfff')],
    ['/inventory/hostname', (r: Report): void => void (r.inventory!.hostname = 'h\u0000')],
    ['/samples/0/seq', (r: Report): void => void (r.samples[0]!.seq = 1e19)],
    ['/samples/0/heartbeat/agentRssBytes', (r: Report): void => void (r.samples[0]!.heartbeat.agentRssBytes = 3e12)],
    ['/samples/0/checks/1/values/usedPct', (r: Report): void => void (r.samples[0]!.checks![1]!.values = { usedPct: 1e39 })],
    ['/samples/0/checks/1/values/load1', (r: Report): void => void (r.samples[0]!.checks![1]!.values = { load1: 1e300 })],
  ] as const)('%s', (path, poison) => {
    const r = sample();
    poison(r);
    expect(report.problems(r).map((p) => p.path)).toContain(path);
  });

  it('accepts text with surrogate pairs (emoji) and the largest values stored', () => {
    const r = sample();
    r.samples[0]!.checks![0]!.message = 'ok \ud83d\ude00';
    r.samples[0]!.seq = Number.MAX_SAFE_INTEGER;
    r.samples[0]!.heartbeat.agentRssBytes = 2_147_483_647 * 1024;
    expect(report.problems(r)).toEqual([]);
  });
});

describe('cleanText', () => {
  it.each([
    ['drops NUL bytes', 'a\u0000b', 10, 'ab'],
    ['replaces lone surrogates', 'a\ud800b\udc00', 10, 'a\ufffdb\ufffd'],
    ['keeps pairs', '\ud83d\ude00', 10, '\ud83d\ude00'],
    ['cuts to length without leaving half a pair', 'ab\ud83d\ude00', 3, 'ab\ufffd'],
  ])('%s', (_why, input, max, expected) => {
    const out = cleanText(input, max);
    expect(out).toBe(expected);
    expect(isStorableText(out)).toBe(true);
  });
});
