/**
 * The one-line install, end to end, in a throw-away root (TIMMY_ROOT) against a collector on
 * loopback: `curl -fsSL <collector>/install.sh | bash -s -- --token <t>` downloads the bundle and
 * checks it against the hash pinned in the script, creates the user, joins, writes the unit;
 * uninstall --purge removes it all. Then every way a host that is not ready, or an attacker on the
 * path, meets the installer: each a one-line error with its documented exit code, nothing left behind.
 * (What needs a running systemd is in test/systemd.test.ts.)
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgent } from '../agent/build.ts';
import { startFakeCollector, freePort, type FakeCollector } from '../agent/src/testing/fake-collector.ts';
import { installScript } from '../collector/src/routes/install.ts';
import { hasCommand } from './support/promql.ts';
import { selfSignedCert } from './support/tls.ts';

const repo = new URL('..', import.meta.url).pathname;
const isRoot = process.getuid?.() === 0;
let fc: FakeCollector;
let work: string;
let files: Record<string, string>;
let sha256: string;

/** A throw-away root shaped like a host: the usual directories and a watched user `hermes`. */
function makeRoot(name = 'root-'): string {
  const root = mkdtempSync(join(work, name));
  for (const d of ['etc/systemd/system', 'opt', 'usr/local/bin', 'var/lib']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nhermes:x:1000:1000::/home/hermes:/bin/bash\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nhermes:x:1000:\n');
  writeFileSync(join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\nhermes:*:19000:0:99999:7:::\n', { mode: 0o600 });
  writeFileSync(join(root, 'etc/gshadow'), 'root:*::\nhermes:!::\n', { mode: 0o600 });
  return root;
}

/** Every path under a root, except the backups useradd/userdel keep of the files they edit (passwd- …). */
function tree(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).filter((p) => !p.endsWith('-')).sort();
}
/** What a failed install (or an uninstall --purge) may leave: the root as makeRoot made it. */
function untouched(root: string) {
  expect(tree(root)).toEqual([
    'etc',
    'etc/group',
    'etc/gshadow',
    'etc/passwd',
    'etc/shadow',
    'etc/systemd',
    'etc/systemd/system',
    'opt',
    'usr',
    'usr/local',
    'usr/local/bin',
    'var',
    'var/lib',
  ]);
  expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).not.toContain('timmy-fleet');
  expect(readFileSync(join(root, 'etc/group'), 'utf8')).not.toContain('timmy-fleet');
}

type Run = { status: number | null; stdout: string; stderr: string };
/** Async on purpose: the fake collector answers from this same process. */
function sh(script: string, env: Record<string, string>, stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const c = spawn('bash', ['-c', script], { env: { ...process.env, ...env }, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (status) => resolve({ status, stdout, stderr }));
    c.stdin.end(stdin ?? '');
  });
}

const nodeDir = join(process.execPath, '..');
const withNode = (root: string) => ({ TIMMY_ROOT: root, PATH: `${nodeDir}:${process.env.PATH}` });
const oneLine = (r: Run) => {
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^timmy-fleet install: /);
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'timmy-install-'));
  const bundle = await buildAgent();
  sha256 = bundle.sha256;
  files = {
    '/agent/timmy-fleet.mjs': bundle.file,
    '/agent/timmy-fleet.mjs.sha256': `${bundle.file}.sha256`,
    '/agent/timmy-fleet.service': join(repo, 'deploy/systemd/timmy-fleet.service'),
    '/uninstall.sh': join(repo, 'deploy/install/uninstall.sh'),
  };
  fc = await startFakeCollector({ files });
  // What the collector does when serving install.sh: fill in its own URL and the bundle's hash.
  const installSh = join(work, 'install.sh');
  writeFileSync(installSh, installScript(readFileSync(join(repo, 'deploy/install/install.sh'), 'utf8'), fc.url, sha256));
  files['/install.sh'] = installSh;
}, 120_000);

afterAll(async () => {
  await fc?.close();
  rmSync(work, { recursive: true, force: true });
});

// The cases run side by side: each installs into a throw-away root of its own (useradd --prefix, the
// installer's TIMMY_ROOT), and the fake collector they share only answers. One after the other they
// spent most of their time waiting for curl, bash and Node starts (31 s of cases in a 46 s file).
describe('install.sh / uninstall.sh', { concurrent: true }, () => {
  it('installs, verifies, creates the user, writes the unit, joins; uninstall --purge removes everything', async () => {
    const root = makeRoot();
    const r = await sh(`curl -fsSL ${fc.url}/install.sh | bash -s -- --token enroll-token-123`, withNode(root));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/checksum ok/);
    // The installer starts the service itself: join's "start the agent" hint would be a wrong instruction.
    expect(r.stdout).not.toMatch(/systemctl enable --now/);
    // The bundle, checked.
    const installed = readFileSync(join(root, 'opt/timmy-fleet/timmy-fleet.mjs'));
    expect(installed.equals(readFileSync(files['/agent/timmy-fleet.mjs']!))).toBe(true);
    // The user.
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toMatch(
      /^timmy-fleet:x:\d+:\d+::\/var\/lib\/timmy\/fleet:\/usr\/sbin\/nologin$/m,
    );
    // The unit, with the node that was found, and the watched user's group in a drop-in.
    const unit = readFileSync(join(root, 'etc/systemd/system/timmy-fleet.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${process.execPath} --jitless`);
    expect(unit).toContain('User=timmy-fleet');
    expect(readFileSync(join(root, 'etc/systemd/system/timmy-fleet.service.d/watch.conf'), 'utf8')).toContain('SupplementaryGroups=hermes');
    // Joined: config + credential (0600) from the collector.
    const config = readFileSync(join(root, 'etc/timmy/fleet/config.yaml'), 'utf8');
    expect(config).toContain(`collectorUrl: ${fc.url}`);
    const cred = join(root, 'var/lib/timmy/fleet/credential');
    expect(readFileSync(cred, 'utf8').trim()).toBe(fc.token);
    expect(statSync(cred).mode & 0o777).toBe(0o600);
    // The service user (no capabilities) must get through the state directory's parents.
    expect(statSync(join(root, 'var/lib/timmy')).mode & 0o777).toBe(0o755);
    expect(statSync(join(root, 'etc/timmy')).mode & 0o777).toBe(0o755);
    expect(statSync(join(root, 'var/lib/timmy/fleet')).mode & 0o777).toBe(0o750);
    // The command works.
    const { stdout: v } = await promisify(execFile)(join(root, 'usr/local/bin/timmy-fleet'), ['version'], { encoding: 'utf8' });
    expect(v).toMatch(/^timmy-fleet \d+\.\d+\.\d+/);

    // Upgrade: no token needed, config and credential kept.
    const up = await sh(`curl -fsSL ${fc.url}/install.sh | bash -s --`, withNode(root));
    expect(up.status).toBe(0);
    expect(readFileSync(cred, 'utf8').trim()).toBe(fc.token);

    const un = await sh(`bash ${join(root, 'opt/timmy-fleet/uninstall.sh')} --purge`, { TIMMY_ROOT: root });
    expect(un.status).toBe(0);
    untouched(root);
  });

  it('refuses a bundle that does not match the hash pinned in the script (exit 4), even when the server’s own .sha256 agrees with it', async () => {
    const evilBundle = join(work, 'evil.mjs');
    writeFileSync(evilBundle, `${readFileSync(files['/agent/timmy-fleet.mjs']!, 'utf8')}\n// tampered\n`);
    const evilSum = join(work, 'evil.sha256');
    const { createHash } = await import('node:crypto');
    writeFileSync(evilSum, `${createHash('sha256').update(readFileSync(evilBundle)).digest('hex')}  timmy-fleet.mjs\n`);
    const evil = await startFakeCollector({
      files: { ...files, '/agent/timmy-fleet.mjs': evilBundle, '/agent/timmy-fleet.mjs.sha256': evilSum },
    });
    try {
      const root = makeRoot();
      const r = await sh(`curl -fsSL ${fc.url}/install.sh | bash -s -- --collector ${evil.url} --token enroll-token-123`, withNode(root));
      expect(r.status).toBe(4);
      oneLine(r);
      expect(r.stderr).toMatch(/checksum mismatch/);
      untouched(root);
    } finally {
      await evil.close();
    }
  });

  it('--sha256 in the one-liner pins the bundle too: a different hash refuses it (exit 4)', async () => {
    const root = makeRoot();
    const r = await sh(`curl -fsSL ${fc.url}/install.sh | bash -s -- --token enroll-token-123 --sha256 ${'a'.repeat(64)}`, withNode(root));
    expect(r.status).toBe(4);
    oneLine(r);
    expect(r.stderr).toMatch(/checksum mismatch .*pinned a{64}/);
    untouched(root);
  });

  it('a script with no pinned hash (not served by a collector) refuses to install (exit 4)', async () => {
    const root = makeRoot();
    const r = await sh(`bash ${join(repo, 'deploy/install/install.sh')} --collector ${fc.url} --token enroll-token-123`, withNode(root));
    expect(r.status).toBe(4);
    oneLine(r);
    expect(r.stderr).toMatch(/no pinned SHA-256/);
    untouched(root);
  });

  it('refuses plain http to a host that is not loopback before downloading anything (exit 4), unless --allow-insecure-http', async () => {
    const root = makeRoot();
    const r = await sh(
      `curl -fsSL ${fc.url}/install.sh | bash -s -- --collector http://fleet.example.invalid --token enroll-token-123`,
      withNode(root),
    );
    expect(r.status).toBe(4);
    oneLine(r);
    expect(r.stderr).toMatch(/refusing plain http:\/\/ to fleet\.example\.invalid/);
    untouched(root);
    // With the flag it goes on, and fails only where the network does (exit 3: that host does not resolve).
    const allowed = await sh(
      `curl -fsSL ${fc.url}/install.sh | bash -s -- --collector http://fleet.example.invalid --token enroll-token-123 --allow-insecure-http`,
      withNode(root),
    );
    expect(allowed.status).toBe(3);
    oneLine(allowed);
    untouched(root);
  });

  it('--node-tarball must be https and come with its hash (exit 4)', async () => {
    const root = makeRoot();
    const plain = await sh(
      `curl -fsSL ${fc.url}/install.sh | bash -s -- --token enroll-token-123 --node-tarball http://nodejs.example/node.tar.xz --node-sha256 ${'b'.repeat(64)}`,
      withNode(root),
    );
    expect(plain.status).toBe(4);
    oneLine(plain);
    expect(plain.stderr).toMatch(/--node-tarball must be an https:\/\/ URL/);
    const nohash = await sh(
      `curl -fsSL ${fc.url}/install.sh | bash -s -- --token enroll-token-123 --node-tarball https://nodejs.example/node.tar.xz`,
      withNode(root),
    );
    expect(nohash.status).toBe(4);
    oneLine(nohash);
    expect(nohash.stderr).toMatch(/--node-sha256/);
    untouched(root);
  });

  it('says which Node.js it found and how to get 22+ when it is too old (exit 2)', async () => {
    const root = makeRoot();
    const old = join(work, 'old-node');
    writeFileSync(old, '#!/bin/sh\necho v18.19.1\n', { mode: 0o755 });
    const r = await sh(`curl -fsSL ${fc.url}/install.sh | bash -s -- --token enroll-token-123 --node ${old}`, { TIMMY_ROOT: root });
    expect(r.status).toBe(2);
    oneLine(r);
    expect(r.stderr).toMatch(/Node\.js >= 22 is required \(.*old-node is v18\.19\.1\)/);
    expect(r.stderr).toMatch(/nodesource|nodejs\.org/);
    untouched(root);
  });

  it.skipIf(existsSync('/run/systemd/system') || !isRoot)(
    'a host without systemd: one line, exit 2, before anything is fetched or written (skipped on systemd hosts and when not root: it runs without TIMMY_ROOT)',
    async () => {
      // No TIMMY_ROOT: the real host. A closed port as the collector, so even a missing check could not install.
      const closed = await freePort();
      const r = await sh(`curl -fsSL ${fc.url}/install.sh | bash -s -- --collector http://127.0.0.1:${closed} --token enroll-token-123`, {
        PATH: `${nodeDir}:${process.env.PATH}`,
      });
      expect(r.status).toBe(2);
      oneLine(r);
      expect(r.stderr).toMatch(/systemd is not running on this host/);
      expect(existsSync('/opt/timmy-fleet')).toBe(false);
    },
  );

  it('says so when there is no Node.js at all (exit 2)', async () => {
    const root = makeRoot();
    // A PATH with curl, bash and coreutils but no node.
    const bin = join(work, 'bin-without-node');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['curl', 'bash', 'id', 'sha256sum', 'cut', 'mktemp', 'rm', 'sed', 'tr', 'dirname', 'ps', 'cat']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      if (found) copyFileSync(found, join(bin, tool));
      spawnSync('chmod', ['0755', join(bin, tool)]);
    }
    const r = await sh(`curl -fsSL ${fc.url}/install.sh | bash -s -- --token enroll-token-123`, { TIMMY_ROOT: root, PATH: bin });
    expect(r.status).toBe(2);
    oneLine(r);
    expect(r.stderr).toMatch(/Node\.js >= 22 is required \(no node on PATH\)/);
    untouched(root);
  });

  it('no network to the collector: one line, exit 3, nothing installed', async () => {
    const root = makeRoot();
    const closed = await freePort();
    const r = await sh(
      `curl -fsSL ${fc.url}/install.sh | bash -s -- --collector http://127.0.0.1:${closed} --token enroll-token-123`,
      withNode(root),
    );
    expect(r.status).toBe(3);
    oneLine(r);
    expect(r.stderr).toMatch(/cannot reach the collector at http:\/\/127\.0\.0\.1:\d+/);
    untouched(root);
  });

  it('a wrong enrollment token: the collector’s reason, exit 5, no token in the output, nothing installed (not even the user)', async () => {
    const root = makeRoot();
    const r = await sh(`curl -fsSL ${fc.url}/install.sh | bash -s -- --token wrong-token-0000`, withNode(root));
    expect(r.status).toBe(5);
    oneLine(r);
    expect(r.stderr).toMatch(/enrollment refused: HTTP 401/);
    expect(r.stderr + r.stdout).not.toContain('wrong-token-0000');
    untouched(root);
  });

  it.skipIf(!isRoot)(
    'the disk filling up while joining: exit 6, one line, nothing installed (skipped when not root: mounts a tmpfs)',
    async () => {
      const root = makeRoot();
      // /var/lib of the throw-away root is a full 64 KiB tmpfs: the credential cannot be written.
      const lib = join(root, 'var/lib');
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', lib]).status).toBe(0);
      try {
        spawnSync('dd', ['if=/dev/zero', `of=${join(lib, 'fill')}`, 'bs=4k']);
        const r = await sh(`curl -fsSL ${fc.url}/install.sh | bash -s -- --token enroll-token-123`, withNode(root));
        expect(r.status).toBe(6);
        oneLine(r);
        expect(r.stderr).toMatch(/no space left on device/);
        expect(readdirSync(lib)).toEqual(['fill']);
      } finally {
        spawnSync('umount', [lib]);
      }
      untouched(root);
    },
  );

  it('a download cut short runs nothing: the body is one function called on the last line', async () => {
    const script = readFileSync(files['/install.sh']!, 'utf8');
    const lines = script.split('\n');
    expect(lines.filter(Boolean).at(-1)).toBe('main "$@"');
    const root = makeRoot();
    for (let cut = 1; cut < lines.length - 1; cut += 7) {
      const r = await sh(`bash -s -- --token enroll-token-123`, withNode(root), lines.slice(0, cut).join('\n') + '\n');
      expect(r.stdout, `cut after line ${cut}`).toBe('');
      untouched(root);
    }
  }, 120_000);

  it('quotes TIMMY_ROOT in the wrapper and refuses a --node path a unit cannot carry', async () => {
    // A root whose path has a space, a quote and a command substitution in it.
    const root = makeRoot(`r o'ot $(touch PWNED) `);
    const r = await sh(`curl -fsSL ${fc.url}/install.sh | bash -s -- --token enroll-token-123`, { ...withNode(root), HOME: work });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { stdout } = await promisify(execFile)(join(root, 'usr/local/bin/timmy-fleet'), ['version'], { encoding: 'utf8', cwd: work });
    expect(stdout).toMatch(/^timmy-fleet /);
    expect(existsSync(join(work, 'PWNED'))).toBe(false);

    const odd = join(work, 'n $(touch PWNED2)');
    mkdirSync(odd, { recursive: true });
    copyFileSync(process.execPath, join(odd, 'node'));
    spawnSync('chmod', ['0755', join(odd, 'node')]);
    const root2 = makeRoot();
    const r2 = await sh(
      `curl -fsSL ${fc.url}/install.sh | bash -s -- --token enroll-token-123 --node '${join(odd, 'node')}'`,
      { TIMMY_ROOT: root2, HOME: work },
      undefined,
    );
    expect(r2.status).toBe(1);
    oneLine(r2);
    expect(r2.stderr).toMatch(/characters a systemd unit cannot carry/);
    expect(existsSync(join(work, 'PWNED2'))).toBe(false);
    untouched(root2);
  }, 60_000);

  it.skipIf(!hasCommand('openssl'))(
    'over https, a redirect to plain http is not followed (curl --proto =https; skipped without openssl)',
    async () => {
      const { key, cert } = selfSignedCert(work);
      // An HTTPS "collector" that sends every download to the plain-http one.
      const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
        res.writeHead(302, { location: `${fc.url}${req.url}` });
        res.end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const root = makeRoot();
        const r = await sh(
          `curl -fsSL ${fc.url}/install.sh | bash -s -- --collector ${url} --ca-file ${cert} --token enroll-token-123`,
          withNode(root),
        );
        expect(r.stderr).toMatch(/Protocol "?http"? not supported or disabled/i);
        expect(r.status).toBe(3);
        oneLine(r);
        untouched(root);
      } finally {
        server.close();
        server.closeAllConnections();
      }
    },
  );

  it('uninstall --decommission: when the collector cannot be told, nothing is removed (exit 3), unless --force', async () => {
    const root = makeRoot();
    expect((await sh(`curl -fsSL ${fc.url}/install.sh | bash -s -- --token enroll-token-123`, withNode(root))).status).toBe(0);
    // The collector is gone: a config pointing at a closed port.
    const cfg = join(root, 'etc/timmy/fleet/config.yaml');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(fc.url, `http://127.0.0.1:${await freePort()}`));
    const un = await sh(`bash ${join(root, 'opt/timmy-fleet/uninstall.sh')} --decommission --purge`, { TIMMY_ROOT: root });
    expect(un.status).toBe(3);
    expect(un.stderr).toMatch(/could not tell the collector this node is retired.*nothing removed/);
    expect(existsSync(join(root, 'opt/timmy-fleet/timmy-fleet.mjs'))).toBe(true);
    expect(existsSync(join(root, 'var/lib/timmy/fleet/credential'))).toBe(true);
    const forced = await sh(`bash ${join(root, 'opt/timmy-fleet/uninstall.sh')} --decommission --force --purge`, { TIMMY_ROOT: root });
    expect(forced.status).toBe(0);
    expect(forced.stderr).toMatch(/removing it anyway \(--force\)/);
    untouched(root);
  });
});
