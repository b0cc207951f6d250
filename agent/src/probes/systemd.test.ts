import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import systemd, { parseShow, statusOf, unitName } from './systemd.ts';
import { options, runOnce, testEnv } from './testkit.ts';
import { rootLogger } from '../log.ts';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'timmy-systemd-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in `systemctl` that prints canned `show` output and counts its calls. */
function fakeSystemctl(active: string, sub: string) {
  const bin = join(dir, 'systemctl');
  writeFileSync(
    bin,
    `#!/bin/sh\necho call >> ${dir}/calls\nprintf 'LoadState=loaded\\nActiveState=${active}\\nSubState=${sub}\\nNRestarts=3\\nControlGroup=/system.slice/ai.hermes.gateway.service\\n'\n`,
  );
  chmodSync(bin, 0o755);
  return bin;
}
const calls = () => {
  try {
    return readFileSync(join(dir, 'calls'), 'utf8').split('\n').filter(Boolean).length as number;
  } catch {
    return 0;
  }
};

describe('systemd probe', () => {
  it.each([
    [{ ActiveState: 'active' }, 'ok'],
    [{ ActiveState: 'activating' }, 'warn'],
    [{ ActiveState: 'failed' }, 'critical'],
    [{ ActiveState: 'inactive' }, 'critical'],
    [{ LoadState: 'not-found', ActiveState: 'inactive' }, 'critical'],
    [{}, 'unknown'],
  ])('%j → %s', (props, want) => expect(statusOf(props)).toBe(want));

  it('parses show output and names units', () => {
    expect(parseShow('A=1\nB=x=y\n')).toEqual({ A: '1', B: 'x=y' });
    expect(unitName('ai.hermes.gateway')).toBe('ai.hermes.gateway.service');
    expect(unitName('foo.timer')).toBe('foo.timer');
  });

  it('without systemd running, says so as unknown and spawns nothing', async () => {
    const out = await runOnce(systemd, { systemRoot: join(dir, 'no-such-dir'), systemctl: fakeSystemctl('active', 'running') });
    expect(out.status).toBe('unknown');
    expect(out.message).toMatch(/systemd is not running/);
    expect(calls()).toBe(0);
  });

  it('reads state and restarts; between `show` runs only the cgroup is read, a flip re-runs show', async () => {
    mkdirSync(join(dir, 'run'));
    const cg = join(dir, 'cg/system.slice/ai.hermes.gateway.service');
    mkdirSync(cg, { recursive: true });
    writeFileSync(join(dir, 'cg/cgroup.controllers'), 'cpu memory pids\n');
    writeFileSync(join(cg, 'cgroup.events'), 'populated 1\nfrozen 0\n');
    const { o } = options(systemd, {
      systemRoot: join(dir, 'run'),
      cgroupRoot: join(dir, 'cg'),
      systemctl: fakeSystemctl('active', 'running'),
      showIntervalS: 60,
    });
    const inst = systemd.create(o as never, testEnv);
    let now = 1_000_000;
    const ctx = { signal: new AbortController().signal, now: () => now, log: rootLogger('silent'), facts: {} };
    const first = await inst.run(ctx);
    expect(first).toMatchObject({ status: 'ok', values: { activeState: 'active', restarts: 3 } });
    now += 10_000;
    await inst.run(ctx);
    now += 10_000;
    await inst.run(ctx);
    expect(calls()).toBe(1); // cheap path
    writeFileSync(join(cg, 'cgroup.events'), 'populated 0\n');
    now += 10_000;
    await inst.run(ctx);
    expect(calls()).toBe(2); // the cgroup emptied: ask systemd at once
    now += 61_000;
    await inst.run(ctx);
    expect(calls()).toBe(3); // and at least every showIntervalS
  });

  it('a failing systemctl is unknown, not a false down', async () => {
    mkdirSync(join(dir, 'run'));
    const bin = join(dir, 'bad');
    writeFileSync(bin, '#!/bin/sh\necho "Failed to connect to bus" >&2\nexit 1\n');
    chmodSync(bin, 0o755);
    const out = await runOnce(systemd, { systemRoot: join(dir, 'run'), systemctl: bin });
    expect(out.status).toBe('unknown');
    expect(out.message).toMatch(/Failed to connect to bus/);
  });

  /**
   * Fake sysfs trees of the three layouts systemd hosts have: where the unit's "is anything running"
   * file lives, and what it says when the unit stops.
   */
  const layouts = {
    // cgroup v2 only (Debian 12, Ubuntu 22.04 and 24.04 by default)
    v2: { marker: 'cgroup.controllers', dir: '', file: 'cgroup.events', up: 'populated 1\nfrozen 0\n', down: 'populated 0\nfrozen 0\n' },
    // hybrid: v1 controllers, systemd's own tree on v2 under unified/
    hybrid: {
      marker: 'unified/cgroup.controllers',
      dir: 'unified',
      file: 'cgroup.events',
      up: 'populated 1\nfrozen 0\n',
      down: 'populated 0\nfrozen 0\n',
    },
    // legacy v1: no cgroup.events; systemd's named hierarchy lists the unit's processes
    v1: { marker: 'systemd/cgroup.procs', dir: 'systemd', file: 'cgroup.procs', up: '1234\n1240\n', down: '' },
  } as const;

  it.each(Object.keys(layouts) as Array<keyof typeof layouts>)(
    "%s cgroup layout: the fast path reads the unit's cgroup, and a stop re-runs show at once",
    async (name) => {
      const l = layouts[name];
      mkdirSync(join(dir, 'run'));
      const root = join(dir, 'sysfs-cgroup');
      mkdirSync(join(root, l.marker, '..'), { recursive: true });
      writeFileSync(join(root, l.marker), '');
      // A v1 or hybrid host also has the controller hierarchies; they must not be mistaken for the unit's.
      if (name !== 'v2') mkdirSync(join(root, 'memory/system.slice/ai.hermes.gateway.service'), { recursive: true });
      const cg = join(root, l.dir, 'system.slice/ai.hermes.gateway.service');
      mkdirSync(cg, { recursive: true });
      writeFileSync(join(cg, l.file), l.up);
      const { o } = options(systemd, {
        systemRoot: join(dir, 'run'),
        cgroupRoot: root,
        systemctl: fakeSystemctl('active', 'running'),
        showIntervalS: 60,
      });
      const inst = systemd.create(o as never, testEnv);
      let now = 1_000_000;
      const ctx = { signal: new AbortController().signal, now: () => now, log: rootLogger('silent'), facts: {} };
      expect((await inst.run(ctx)).status).toBe('ok');
      now += 10_000;
      await inst.run(ctx);
      expect(calls()).toBe(1); // cheap path: no systemctl while nothing changed
      writeFileSync(join(cg, l.file), l.down);
      now += 10_000;
      await inst.run(ctx);
      expect(calls()).toBe(2); // the unit's cgroup emptied: ask systemd at once, not after 60 s
      rmSync(cg, { recursive: true });
      now += 10_000;
      await inst.run(ctx);
      expect(calls()).toBe(2); // gone, as systemd removes it: still empty, nothing new to ask
    },
  );
});
