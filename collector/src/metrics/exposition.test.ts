import { spawnSync } from 'node:child_process';
import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Exposition, escapeLabelValue, formatValue, gaugeFamily } from './exposition.ts';

const havePromtool = spawnSync('sh', ['-c', 'command -v promtool']).status === 0;
const TRICKY = ['plain', 'a"quoted"name', 'back\\slash', 'two\nlines', '\\"\n', '', 'ünïcode ✓', 'trailing\\'];

describe('text exposition', () => {
  it('escapes backslash, double quote and newline in label values, and nothing else', () => {
    expect(escapeLabelValue('a"b')).toBe('a\\"b');
    expect(escapeLabelValue('a\\b')).toBe('a\\\\b');
    expect(escapeLabelValue('a\nb')).toBe('a\\nb');
    expect(escapeLabelValue('\\n')).toBe('\\\\n');
    expect(escapeLabelValue("disk:/ {x=1}, 'y'")).toBe("disk:/ {x=1}, 'y'");
  });

  it('writes values as prom-client does', () => {
    expect([1, 0, -0.5, 0.9583333333333334, 1e-7, 12345678901234, NaN, Infinity, -Infinity].map(formatValue)).toEqual([
      '1',
      '0',
      '-0.5',
      '0.9583333333333334',
      '1e-7',
      '12345678901234',
      'Nan',
      '+Inf',
      '-Inf',
    ]);
  });

  it('gives each family one HELP and one TYPE, also when samples interleave or there are none', () => {
    const a = gaugeFamily('t_a', 'A help.', ['node']);
    const b = gaugeFamily('t_b', 'B help.', ['node', 'window']);
    const none = gaugeFamily('t_none', 'Nothing yet.', ['node']);
    const c = gaugeFamily('t_c', 'No labels.');
    const out = new Exposition([a, b, none, c]);
    out.set(a, { node: 'n1' }, 1);
    out.set(b, { node: 'n1', window: '30d' }, 0.5);
    out.set(a, { node: 'n2' }, 0);
    out.set(c, {}, 0.995);
    expect(out.text()).toBe(
      [
        '# HELP t_a A help.',
        '# TYPE t_a gauge',
        't_a{node="n1"} 1',
        't_a{node="n2"} 0',
        '',
        '# HELP t_b B help.',
        '# TYPE t_b gauge',
        't_b{node="n1",window="30d"} 0.5',
        '',
        '# HELP t_none Nothing yet.',
        '# TYPE t_none gauge',
        '',
        '# HELP t_c No labels.',
        '# TYPE t_c gauge',
        't_c 0.995',
      ].join('\n') + '\n',
    );
  });

  it("matches prom-client's text for the same gauges, tricky label values and help included", async () => {
    const help = 'Help with a back\\slash\nand a newline.';
    const registry = new Registry();
    const g = new Gauge({ name: 't_tricky', help, labelNames: ['node', 'check'] as const, registers: [registry] });
    const plain = new Gauge({ name: 't_plain', help: 'Plain.', registers: [registry] });
    const fam = gaugeFamily('t_tricky', help, ['node', 'check']);
    const famPlain = gaugeFamily('t_plain', 'Plain.');
    const out = new Exposition([fam, famPlain]);
    TRICKY.forEach((v, i) => {
      g.set({ node: v, check: `c${i}` }, i / 7);
      out.set(fam, { node: v, check: `c${i}` }, i / 7);
    });
    plain.set(3);
    out.set(famPlain, {}, 3);
    expect(out.text()).toBe(await registry.metrics());
  });

  it.skipIf(!havePromtool)('passes `promtool check metrics`', () => {
    const fam = gaugeFamily('timmy_test_ratio', 'A ratio.', ['node', 'window']);
    const out = new Exposition([fam]);
    for (const v of TRICKY) out.set(fam, { node: v, window: '30d' }, 0.25);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: out.text(), encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('refuses invalid names and families it was not given', () => {
    expect(() => gaugeFamily('1bad', 'x')).toThrow(/metric name/);
    expect(() => gaugeFamily('t_ok', 'x', ['bad-label'])).toThrow(/label name/);
    expect(() => gaugeFamily('t_ok', 'x', ['__reserved'])).toThrow(/label name/);
    expect(() => gaugeFamily('t_ok', 'x', ['a', 'a'])).toThrow(/duplicate/);
    const a = gaugeFamily('t_a', 'A.', ['node']);
    expect(() => new Exposition([a, gaugeFamily('t_a', 'Again.')])).toThrow(/one family per metric name/);
    expect(() => new Exposition([]).set(a, { node: 'n' }, 1)).toThrow(/not in this exposition/);
  });
});
