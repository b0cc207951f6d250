import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROBES, loadConfig, validateConfig } from './config.ts';

const passwd = (() => {
  const d = mkdtempSync(join(tmpdir(), 'timmy-cfg-'));
  writeFileSync(join(d, 'passwd'), 'hermes:x:1001:1001::/home/hermes:/bin/bash\n');
  return join(d, 'passwd');
})();

describe('agent config', () => {
  it('a minimal config gets every default and the runbook checklist', () => {
    const r = validateConfig({ collectorUrl: 'https://collector.example' }, 'x', passwd);
    if (!r.ok) throw new Error(r.problems.join('\n'));
    const c = r.config;
    expect(c).toMatchObject({
      intervalS: 5,
      stateDir: '/var/lib/timmy/fleet',
      credentialFile: '/var/lib/timmy/fleet/credential',
      allowInsecureHttp: false,
      user: 'hermes',
    });
    expect(c.buffer.maxBytes).toBe(64 * 1024 * 1024);
    expect(c.buffer.fsyncIntervalMs).toBeLessThanOrEqual(1000);
    expect(c.env).toEqual({ user: 'hermes', uid: 1001, home: '/home/hermes' });
    expect(c.probes.map((p) => p.name)).toEqual([
      'heartbeat',
      'gateway',
      'sessions',
      'disk:/',
      'cron',
      'dispatch-queue',
      'credentials',
      'system',
      'inventory',
    ]);
    expect(c.probes.length).toBe(DEFAULT_PROBES.length);
    const gw = c.probes.find((p) => p.name === 'gateway')!;
    expect(gw).toMatchObject({ slaCritical: true, type: 'systemd', options: { unit: 'ai.hermes.gateway' } });
    expect(c.probes.find((p) => p.name === 'disk:/')!.options).toMatchObject({ warnPct: 85, criticalPct: 90 });
    expect(c.probes.find((p) => p.type === 'heartbeat')!.intervalS).toBe(5);
  });

  it('lists every problem at once', () => {
    const r = validateConfig(
      {
        collectorUrl: 'http://collector.example',
        intervalS: 'fast',
        bogus: 1,
        buffer: { maxBytes: 10 },
        probes: [{ type: 'disk', warnPct: 95, criticalPct: 90 }, { type: 'nope' }, { type: 'tmux', sessions: [] }, { type: 'file' }],
      },
      'cfg.yaml',
      passwd,
    );
    expect(r.ok).toBe(false);
    const text = (r as { problems: string[] }).problems.join('\n');
    expect(text).toMatch(/\/intervalS/);
    expect(text).toMatch(/bogus/);
    expect(text).toMatch(/\/buffer\/maxBytes/);
    expect(text).toMatch(/plain http to a non-loopback host/);
    expect(text).toMatch(/\/probes\/0: warnPct \(95\) must not exceed criticalPct/);
    expect(text).toMatch(/\/probes\/1\/type: unknown probe type "nope"/);
    expect(text).toMatch(/\/probes\/2\/sessions/);
    expect(text).toMatch(/\/probes\/3\/path/);
  });

  it('refuses duplicate check names and unknown probe options', () => {
    const r = validateConfig(
      { collectorUrl: 'https://c', probes: [{ type: 'disk' }, { type: 'disk', mount: '/' }, { type: 'system', colour: 'red' }] },
      'x',
      passwd,
    );
    const text = (r as { problems: string[] }).problems.join('\n');
    expect(text).toMatch(/duplicate check name "disk:\/"/);
    expect(text).toMatch(/\/probes\/2\/colour/);
  });

  it('adds a heartbeat when the probe list has none, and honours enabled: false', () => {
    const r = validateConfig(
      { collectorUrl: 'http://127.0.0.1:8080', intervalS: 10, probes: [{ type: 'disk' }, { type: 'tmux', enabled: false }] },
      'x',
      passwd,
    );
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.config.probes.map((p) => [p.type, p.intervalS])).toEqual([
      ['heartbeat', 10],
      ['disk', 60],
    ]);
  });

  it('push.retryMaxS caps the push backoff (60 s by default); TIMMY_FLEET_RETRY_MAX_S overrides it, checked', () => {
    const base = { collectorUrl: 'https://collector.example' };
    const cap = (doc: object, env: NodeJS.ProcessEnv = {}) => {
      const r = validateConfig(doc, 'x', passwd, env);
      return r.ok ? r.config.push.retryMaxS : r.problems.join('\n');
    };
    expect(cap(base)).toBe(60);
    expect(cap({ ...base, push: { retryMaxS: 5 } })).toBe(5);
    expect(cap({ ...base, push: { retryMaxS: 5 } }, { TIMMY_FLEET_RETRY_MAX_S: '2' })).toBe(2);
    expect(cap(base, { TIMMY_FLEET_RETRY_MAX_S: ' 1.5 ' })).toBe(1.5);
    expect(cap(base, { TIMMY_FLEET_RETRY_MAX_S: '' })).toBe(60);
    expect(cap({ ...base, push: { retryMaxS: 0.5 } })).toMatch(/^\/push\/retryMaxS: /);
    for (const bad of ['soon', '0', '3601', '-1'])
      expect(cap(base, { TIMMY_FLEET_RETRY_MAX_S: bad })).toBe(
        `TIMMY_FLEET_RETRY_MAX_S: "${bad}" is not a number of seconds from 1 to 3600 (the longest wait between push retries)`,
      );
  });

  it('reads YAML from --config, then TIMMY_FLEET_CONFIG, and explains a missing file', () => {
    const d = mkdtempSync(join(tmpdir(), 'timmy-cfg-'));
    try {
      writeFileSync(join(d, 'a.yaml'), 'collectorUrl: https://a.example\n');
      writeFileSync(join(d, 'b.yaml'), 'collectorUrl: [unclosed\n');
      const a = loadConfig(join(d, 'a.yaml'), {});
      expect(a.ok && a.config.collectorUrl).toBe('https://a.example');
      const viaEnv = loadConfig(undefined, { TIMMY_FLEET_CONFIG: join(d, 'a.yaml'), TIMMY_FLEET_RETRY_MAX_S: '3' });
      expect(viaEnv.ok && viaEnv.config.push.retryMaxS).toBe(3);
      const bad = loadConfig(join(d, 'b.yaml'), {});
      expect(!bad.ok && bad.problems[0]).toMatch(/not valid YAML/);
      const missing = loadConfig(join(d, 'none.yaml'), {});
      expect(!missing.ok && missing.problems[0]).toMatch(/ENOENT.*timmy-fleet join/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
