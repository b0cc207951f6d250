/**
 * deploy/: the Prometheus rules and config (promtool), the collector's systemd unit (systemd-analyze),
 * and TLS served by the collector itself (a self-signed certificate made with openssl at test time).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get as httpsGet } from 'node:https';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../collector/src/config.ts';
import { startCollector } from '../collector/src/runtime.ts';
import { createTestDatabase } from './support/pg.ts';
import { ROOT } from './support/processes.ts';
import { hasCommand } from './support/promql.ts';
import { selfSignedCert } from './support/tls.ts';

const tmp = mkdtempSync(join(tmpdir(), 'timmy-deploy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const run = (cmd: string, args: string[], cwd = ROOT) => spawnSync(cmd, args, { cwd, encoding: 'utf8' });
/** Writes a unit as an install would (ExecStart pointed at a Node that exists here: verify checks the binary) and runs `systemd-analyze verify` on it. */
function verifyUnit(name: string, unit: string): string {
  const path = join(tmp, name);
  writeFileSync(path, unit.replace(/^ExecStart=\/usr\/bin\/node /m, `ExecStart=${process.execPath} `));
  const r = run('systemd-analyze', ['verify', '--man=no', path]);
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
  return path;
}

describe.skipIf(!hasCommand('promtool'))(
  'deploy/prometheus (skipped only when promtool is not installed: apt-get install prometheus)',
  () => {
    it('the alert rules load and their unit tests pass (`promtool test rules`)', () => {
      const check = run('promtool', ['check', 'rules', 'deploy/prometheus/timmy-fleet.rules.yml']);
      expect(check.status, check.stdout + check.stderr).toBe(0);
      const test = run('promtool', ['test', 'rules', 'deploy/prometheus/tests/timmy-fleet.rules.test.yml']);
      expect(test.stdout + test.stderr).toMatch(/SUCCESS/);
      expect(test.status, test.stdout + test.stderr).toBe(0);
    });

    it('the example scrape config is valid (rule file path pointed at the repository copy)', () => {
      const cfg = readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8').replace(
        '/etc/prometheus/rules/timmy-fleet.rules.yml',
        join(ROOT, 'deploy/prometheus/timmy-fleet.rules.yml'),
      );
      writeFileSync(join(tmp, 'prometheus.yml'), cfg);
      const r = run('promtool', ['check', 'config', join(tmp, 'prometheus.yml')]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    });
  },
);

describe('deploy/systemd/timmy-fleet-collector.service', () => {
  const unit = readFileSync(join(ROOT, 'deploy/systemd/timmy-fleet-collector.service'), 'utf8');
  it('is sandboxed, restarts on failure and reads /etc/timmy/collector.env', () => {
    for (const line of [
      'Restart=on-failure',
      'EnvironmentFile=/etc/timmy/collector.env',
      'DynamicUser=yes',
      'ProtectSystem=strict',
      'NoNewPrivileges=yes',
      'StateDirectory=timmy-collector',
    ])
      expect(unit).toContain(line);
  });
  it('the environment example names only variables the collector reads', async () => {
    const { ENV_KEYS } = await import('../collector/src/config.ts');
    const vars = [...readFileSync(join(ROOT, 'deploy/collector.env.example'), 'utf8').matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map(
      (m) => m[1]!,
    );
    expect(vars.length).toBeGreaterThan(5);
    expect(vars.filter((v) => !(v in ENV_KEYS) && v !== 'TIMMY_CONFIG')).toEqual([]);
  });
  it.skipIf(!hasCommand('systemd-analyze'))(
    'passes `systemd-analyze verify` (skipped when systemd-analyze is absent from the machine)',
    () => {
      verifyUnit('timmy-fleet-collector.service', unit);
    },
  );
});

describe('deploy/systemd/timmy-fleet.service (the agent)', () => {
  const unit = readFileSync(join(ROOT, 'deploy/systemd/timmy-fleet.service'), 'utf8');
  const directives = unit.split('\n').filter((l) => !l.startsWith('#'));
  it('grants no capability at all (CAP_DAC_READ_SEARCH would read any file on the host)', () => {
    expect(directives.filter((l) => /^(CapabilityBoundingSet|AmbientCapabilities)=/.test(l))).toEqual([
      'CapabilityBoundingSet=',
      'AmbientCapabilities=',
    ]);
    expect(directives.join('\n')).not.toMatch(/CAP_/);
  });
  it.skipIf(!hasCommand('systemd-analyze'))(
    'passes `systemd-analyze verify`, and `security --offline=yes` gives the figure both READMEs state (skipped when systemd-analyze is absent)',
    () => {
      const path = verifyUnit('timmy-fleet.service', unit);
      const sec = run('systemd-analyze', ['security', '--offline=yes', '--no-pager', path]);
      const figure = /Overall exposure level for timmy-fleet\.service: (\d+\.\d) (\w+)/.exec(sec.stdout)?.slice(1).join(' ');
      expect(figure).toBeTruthy();
      expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`rates it **${figure}**`);
      expect(readFileSync(join(ROOT, 'agent/README.md'), 'utf8')).toContain(`overall exposure of **${figure!.replace(' ', ' (')})**`);
    },
  );
});

describe.skipIf(!hasCommand('openssl'))('TLS served by the collector (skipped when openssl is absent)', () => {
  it('listens with https using tlsCertFile / tlsKeyFile', async () => {
    const { cert, key } = selfSignedCert(tmp);
    const db = await createTestDatabase('tls', { migrated: true });
    const config = loadConfig({
      DATABASE_URL: db.url,
      TIMMY_PORT: '0',
      LOG_LEVEL: 'silent',
      TIMMY_TLS_CERT_FILE: cert,
      TIMMY_TLS_KEY_FILE: key,
    });
    const collector = await startCollector(config, { log: pino({ level: 'silent' }) });
    try {
      expect(collector.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const status = await new Promise<number | undefined>((resolve, reject) => {
        httpsGet(`${collector.url}/healthz`, { ca: readFileSync(cert) }, (res) => {
          res.resume();
          resolve(res.statusCode);
        }).on('error', reject);
      });
      expect(status).toBe(200);
      // Plain HTTP on the same port is not served.
      await expect(fetch(collector.url.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
    } finally {
      await collector.stop();
      await db.drop();
    }
  });

  it('refuses a certificate without its key', () => {
    expect(() => loadConfig({ TIMMY_TLS_CERT_FILE: '/x/cert.pem' })).toThrow(ConfigError);
  });
});
