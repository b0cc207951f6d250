import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, slaTimings } from './config.ts';

const yaml = (text: string) => {
  const f = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'collector.yaml');
  writeFileSync(f, text);
  return f;
};

describe('collector config', () => {
  it('has working defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      anonymousRead: false,
      sla: { heartbeatIntervalS: 5, graceIntervals: 3 },
      ingest: { bodyLimitBytes: 1_048_576, maxFutureSkewS: 600 },
    });
    expect(slaTimings(c)).toMatchObject({ intervalMs: 5000, graceMs: 15_000, freshMs: 10_000 });
  });

  it('lists every problem, not just the first', () => {
    try {
      loadConfig({ TIMMY_PORT: 'eighty', TIMMY_GRACE_INTERVALS: '0', TIMMY_ANONYMOUS_READ: 'maybe', TIMMY_ADMIN_TOKEN: 'short' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toContain('TIMMY_PORT');
      expect(problems).toContain('TIMMY_ANONYMOUS_READ');
      expect(problems).toContain('sla.graceIntervals');
      expect(problems).toContain('adminToken');
      expect((e as ConfigError).problems).toHaveLength(4);
      expect((e as ConfigError).code).toBe('FLEET_CONFIG_INVALID');
    }
  });

  it('lists the problems of the alerts block with the rest, naming where each is and never quoting a value', () => {
    const f = yaml(
      [
        'alerts:',
        '  rules: { rules: [{ id: disk_warning, thresholdPct: 150 }] }',
        '  incidents: { escalateAfterMs: 0 }',
        '  channels: [{ type: slack, name: s, url: "ftp://hooks/SECRET1" }]',
        '',
      ].join('\n'),
    );
    let err: unknown;
    try {
      loadConfig({}, f);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({ code: 'FLEET_CONFIG_INVALID' });
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toContain('alerts.rules.rules.0.thresholdPct');
    expect(problems).toContain('alerts.incidents: invalid incident policy: /escalateAfterMs');
    expect(problems).toContain('alerts.channels.0.url');
    expect(String(err)).not.toContain('SECRET1');
  });

  it('refuses report channels that are not alert channels, naming each unknown one with the channels there are', () => {
    const config = (reportChannels: string, alertChannels: string) =>
      yaml(['alerts:', `  channels: ${alertChannels}`, 'reports:', `  channels: ${reportChannels}`, ''].join('\n'));
    const ops =
      '[{ type: webhook, name: ops, url: "https://hooks.example.org/x" }, { type: slack, name: chat, url: "https://hooks.example.org/y" }]';
    expect(loadConfig({}, config('[ops, chat]', ops)).reports.channels).toEqual(['ops', 'chat']);
    const problems = (f: string) => {
      try {
        loadConfig({}, f);
      } catch (e) {
        expect(e).toMatchObject({ code: 'FLEET_CONFIG_INVALID' });
        return (e as ConfigError).problems;
      }
      return expect.unreachable();
    };
    expect(problems(config('[ops, opz, chatt]', ops))).toEqual([
      'reports.channels.1: unknown channel "opz" (the channels under alerts.channels are ops, chat)',
      'reports.channels.2: unknown channel "chatt" (the channels under alerts.channels are ops, chat)',
    ]);
    expect(problems(config('[ops]', '[]'))).toEqual([
      'reports.channels.0: unknown channel "ops" (no channel is configured under alerts.channels)',
    ]);
  });

  it('reads a YAML file, and the environment wins over it', () => {
    const f = yaml('port: 9100\nsla:\n  heartbeatIntervalS: 10\nretention:\n  rawHours: 24\n');
    const c = loadConfig({ TIMMY_PORT: '9200' }, f);
    expect(c.port).toBe(9200);
    expect(c.sla.heartbeatIntervalS).toBe(10);
    expect(c.sla.graceIntervals).toBe(3);
    expect(c.retention.rawHours).toBe(24);
  });

  it('refuses unknown keys and broken YAML with the file name', () => {
    expect(() => loadConfig({}, yaml('portt: 1\n'))).toThrow(/portt|additional/i);
    expect(() => loadConfig({}, yaml('port: [\n'))).toThrow(/collector\.yaml/);
  });

  it('never puts the admin token or database password in its error text', () => {
    let err: unknown;
    try {
      loadConfig({ TIMMY_ADMIN_TOKEN: 'hunter2', DATABASE_URL: 'postgres://u:hunter2@h/db', TIMMY_PORT: 'x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(String(err)).toContain('adminToken');
    expect(String(err)).not.toContain('hunter2');
  });
});
