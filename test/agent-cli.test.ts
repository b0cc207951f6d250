/**
 * The `timmy-fleet` command as an operator uses it: --help everywhere, config errors listed with
 * exit 1, `health` (table / --json, exit 0/1/2) and `status` against a running agent and a collector
 * on loopback.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCollector, type FakeCollector } from '../agent/src/testing/fake-collector.ts';

const CLI = new URL('../agent/src/cli.ts', import.meta.url).pathname;
let dir: string;
let fc: FakeCollector;
let agent: ChildProcess | undefined;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function writeConfig(name: string, extra: string, state = 'state'): string {
  const p = join(dir, name);
  writeFileSync(
    p,
    `collectorUrl: ${fc.url}\ncredentialFile: ${join(dir, 'credential')}\nstateDir: ${join(dir, state)}\nintervalS: 0.2\nlogLevel: warn\n${extra}`,
  );
  return p;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'timmy-cli-'));
  fc = await startFakeCollector();
  writeFileSync(join(dir, 'credential'), `${fc.token}\n`, { mode: 0o600 });
});
afterAll(async () => {
  agent?.kill('SIGKILL');
  await fc.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('timmy-fleet CLI', () => {
  it.each([
    [['--help']],
    [['run', '--help']],
    [['join', '--help']],
    [['health', '--help']],
    [['status', '--help']],
    [['version', '--help']],
  ])('%j prints help and exits 0', async (args) => {
    const r = await cli(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: timmy-fleet/);
  });

  it('an unknown command or option exits non-zero with a clear message', async () => {
    const a = await cli(['frobnicate']);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/unknown command "frobnicate"/);
    const b = await cli(['health', '--colour']);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/Unknown option '--colour'/);
    const c = await cli(['join']);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/missing <collector-url>/);
  });

  it('a bad config lists every problem and exits 1', async () => {
    const p = join(dir, 'bad.yaml');
    writeFileSync(p, 'collectorUrl: ftp://x\nintervalS: -1\nprobes:\n  - { type: disk, warnPct: 200 }\n');
    const r = await cli(['run', '--config', p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/invalid configuration/);
    expect(r.stderr).toMatch(/\/intervalS/);
    expect(r.stderr).toMatch(/\/collectorUrl/);
    expect(r.stderr).toMatch(/\/probes\/0\/warnPct/);
  });

  it('health and status read the running agent; health exit codes follow the worst check', async () => {
    const file = join(dir, 'fresh.json');
    writeFileSync(file, '{}');
    const okConfig = writeConfig(
      'ok.yaml',
      `probes:\n  - { type: heartbeat }\n  - { type: file, name: queue, path: ${file}, maxAgeS: 3600 }\n`,
    );
    agent = spawn(process.execPath, [CLI, 'run', '--config', okConfig], { stdio: 'ignore' });
    // Ready once the daemon has written a result of the queue probe and an acknowledgement. (The probe's name
    // alone is not enough: health.json lists every configured probe from the start, before its first result.)
    const ready = () => {
      try {
        const h = JSON.parse(readFileSync(join(dir, 'state/health.json'), 'utf8')) as {
          checks: Array<{ name: string }>;
          push: { lastAckAt?: number };
        };
        return h.checks.some((c) => c.name === 'queue') && !!h.push.lastAckAt;
      } catch {
        return false; // not written yet
      }
    };
    for (let i = 0; i < 300 && !ready(); i++) await new Promise((r) => setTimeout(r, 100));
    const h = await cli(['health', '--json', '--config', okConfig]);
    const report = JSON.parse(h.stdout);
    expect(report.source).toBe('agent');
    expect(report.checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['collector', 'ok'],
      ['queue', 'ok'],
    ]);
    expect(h.code).toBe(0);
    const table = await cli(['health', '--config', okConfig]);
    expect(table.stdout).toMatch(/^CHECK\s+STATUS\s+AGE\s+MESSAGE/);
    const s = await cli(['status', '--json', '--config', okConfig]);
    const st = JSON.parse(s.stdout);
    expect(st).toMatchObject({ agentRunning: true, collector: 'reachable (HTTP 404)', credential: 'present', dropped: 0 });
    expect(st.lastAckAt).not.toBeNull();
    expect(s.stdout).not.toContain(fc.token);
    agent.kill('SIGTERM');
    await new Promise((r) => agent!.once('exit', r));
    agent = undefined;
  }, 60_000);

  it('without a running agent, health runs the checks itself: the missing file warns, the absent daemon makes it 2', async () => {
    const warnCfg = writeConfig(
      'warn.yaml',
      `probes:\n  - { type: file, name: old, path: ${join(dir, 'nope')}, severity: warn }\n`,
      'state-without-daemon',
    );
    // Point at a state dir with no daemon: the collector row is critical (not running) -> 2.
    const r = await cli(['health', '--json', '--config', warnCfg]);
    const out = JSON.parse(r.stdout);
    expect(out.source).toBe('live');
    expect(out.checks.find((c: { name: string }) => c.name === 'old').status).toBe('warn');
    expect(r.code).toBe(2);
  });
});
