/**
 * The one-line install, end to end, in a throw-away root (TIMMY_ROOT) against a collector on
 * loopback: `curl -fsSL <collector>/install.sh | bash -s -- --token <t>` downloads and verifies the
 * bundle, creates the user, writes the unit, joins; uninstall --purge removes it all.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgent } from '../agent/build.ts';
import { startFakeCollector, type FakeCollector } from '../agent/src/testing/fake-collector.ts';

const repo = new URL('..', import.meta.url).pathname;
let fc: FakeCollector;
let work: string;
let files: Record<string, string>;

function makeRoot(): string {
  const root = mkdtempSync(join(work, 'root-'));
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\n');
  writeFileSync(join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o600 });
  writeFileSync(join(root, 'etc/gshadow'), 'root:*::\n', { mode: 0o600 });
  return root;
}

/** Async on purpose: the fake collector answers from this same process. */
function sh(script: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn('bash', ['-c', script], { env: { ...process.env, ...env }, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'timmy-install-'));
  const bundle = await buildAgent();
  files = {
    '/agent/timmy-fleet.mjs': bundle.file,
    '/agent/timmy-fleet.mjs.sha256': `${bundle.file}.sha256`,
    '/agent/timmy-fleet.service': join(repo, 'deploy/systemd/timmy-fleet.service'),
    '/uninstall.sh': join(repo, 'deploy/install/uninstall.sh'),
  };
  fc = await startFakeCollector({ files });
  // What the collector does when serving install.sh: fill in its own URL.
  const installSh = join(work, 'install.sh');
  writeFileSync(installSh, readFileSync(join(repo, 'deploy/install/install.sh'), 'utf8').replace('__COLLECTOR_URL__', fc.url));
  files['/install.sh'] = installSh;
}, 120_000);

afterAll(async () => {
  await fc?.close();
  rmSync(work, { recursive: true, force: true });
});

const nodeDir = join(process.execPath, '..');

describe('install.sh / uninstall.sh', () => {
  it('installs, verifies, creates the user, writes the unit, joins; uninstall --purge removes everything', async () => {
    const root = makeRoot();
    const r = await sh(`curl -fsSL ${fc.url}/install.sh | bash -s -- --token enroll-token-123 --user nobody-here`, { TIMMY_ROOT: root, PATH: `${nodeDir}:${process.env.PATH}` });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/checksum ok/);
    // The bundle, checked.
    const installed = readFileSync(join(root, 'opt/timmy-fleet/timmy-fleet.mjs'));
    expect(installed.equals(readFileSync(files['/agent/timmy-fleet.mjs']!))).toBe(true);
    // The user.
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toMatch(/^timmy-fleet:x:\d+:\d+::\/var\/lib\/timmy\/fleet:\/usr\/sbin\/nologin$/m);
    // The unit, with the node that was found.
    const unit = readFileSync(join(root, 'etc/systemd/system/timmy-fleet.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${process.execPath} --jitless`);
    expect(unit).toContain('User=timmy-fleet');
    // Joined: config + credential (0600) from the collector.
    const config = readFileSync(join(root, 'etc/timmy/fleet/config.yaml'), 'utf8');
    expect(config).toContain(`collectorUrl: ${fc.url}`);
    const cred = join(root, 'var/lib/timmy/fleet/credential');
    expect(readFileSync(cred, 'utf8').trim()).toBe(fc.token);
    expect(statSync(cred).mode & 0o777).toBe(0o600);
    // The command works.
    const { stdout: v } = await promisify(execFile)(join(root, 'usr/local/bin/timmy-fleet'), ['version'], { encoding: 'utf8' });
    expect(v).toMatch(/^timmy-fleet \d+\.\d+\.\d+/);

    // Upgrade: no token needed, config and credential kept.
    const up = await sh(`curl -fsSL ${fc.url}/install.sh | bash -s --`, { TIMMY_ROOT: root, PATH: `${nodeDir}:${process.env.PATH}` });
    expect(up.status).toBe(0);
    expect(readFileSync(cred, 'utf8').trim()).toBe(fc.token);

    const un = await sh(`bash ${join(root, 'opt/timmy-fleet/uninstall.sh')} --purge`, { TIMMY_ROOT: root });
    expect(un.status).toBe(0);
    for (const p of ['opt/timmy-fleet', 'etc/systemd/system/timmy-fleet.service', 'usr/local/bin/timmy-fleet', 'etc/timmy/fleet', 'var/lib/timmy/fleet']) expect(existsSync(join(root, p))).toBe(false);
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).not.toContain('timmy-fleet');
  });

  it('refuses a bundle whose checksum does not match, and installs nothing', async () => {
    const bad = join(work, 'bad.sha256');
    writeFileSync(bad, `${'0'.repeat(64)}  timmy-fleet.mjs\n`);
    const evil = await startFakeCollector({ files: { ...files, '/agent/timmy-fleet.mjs.sha256': bad } });
    try {
      const root = makeRoot();
      const r = await sh(`curl -fsSL ${evil.url}/install.sh | bash -s -- --collector ${evil.url} --token enroll-token-123`, { TIMMY_ROOT: root, PATH: `${nodeDir}:${process.env.PATH}` });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/checksum mismatch/);
      expect(existsSync(join(root, 'opt/timmy-fleet/timmy-fleet.mjs'))).toBe(false);
    } finally {
      await evil.close();
    }
  });

  it('says clearly how to get Node.js when it is missing or too old', async () => {
    const root = makeRoot();
    const old = join(work, 'old-node');
    writeFileSync(old, '#!/bin/sh\necho 18\n', { mode: 0o755 });
    const r = await sh(`curl -fsSL ${fc.url}/install.sh | bash -s -- --token enroll-token-123 --node ${old}`, { TIMMY_ROOT: root });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Node\.js >= 22 is required/);
    expect(r.stderr).toMatch(/nodesource|nodejs\.org/);
  });

  it('a bad enrollment token fails the join with the collector’s reason', async () => {
    const root = makeRoot();
    const r = await sh(`curl -fsSL ${fc.url}/install.sh | bash -s -- --token wrong-token-0000`, { TIMMY_ROOT: root, PATH: `${nodeDir}:${process.env.PATH}` });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/enrollment refused: HTTP 401/);
    expect(r.stderr).not.toContain('wrong-token-0000');
  });
});
