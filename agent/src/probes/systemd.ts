/**
 * Systemd unit state. Spawning `systemctl` every sample would dominate the agent's CPU budget, so:
 * the cheap path reads the unit's cgroup (`cgroup.events` on v2 and hybrid hosts, `cgroup.procs` on v1) every run, and
 * `systemctl show` runs only every `showIntervalS` or as soon as the cgroup flips.
 * Where systemd is not running (no /run/systemd/system, as `sd_booted()` checks) the result is
 * `unknown` with that reason, without spawning anything.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import type { CheckStatus } from '@timmy/shared';
import { defineProbe } from './probe.ts';
import { run } from './exec.ts';

const Options = Type.Object(
  {
    unit: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9:_.@-]+$', default: 'ai.hermes.gateway' }),
    showIntervalS: Type.Number({
      minimum: 0,
      default: 60,
      description: 'how often to run `systemctl show` when the cgroup did not change',
    }),
    systemRoot: Type.String({ default: '/run/systemd/system', description: 'exists when systemd is PID 1' }),
    cgroupRoot: Type.String({ default: '/sys/fs/cgroup' }),
    systemctl: Type.String({ default: 'systemctl' }),
  },
  { additionalProperties: false },
);

export function unitName(unit: string): string {
  return /\.(service|socket|timer|target|mount|automount|path|scope|slice|device|swap)$/.test(unit) ? unit : `${unit}.service`;
}

export function parseShow(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export function statusOf(props: Record<string, string>): CheckStatus {
  if (props.LoadState === 'not-found') return 'critical';
  switch (props.ActiveState) {
    case 'active':
      return 'ok';
    case 'activating':
    case 'reloading':
      return 'warn';
    case undefined:
      return 'unknown';
    default:
      return 'critical';
  }
}

/**
 * Where a unit's "does it have processes" file lives, for the host's cgroup layout, given the unit's
 * ControlGroup (e.g. /system.slice/x.service):
 * - v2 (unified; Debian 12, Ubuntu 22.04 and 24.04 by default): <root><cg>/cgroup.events, "populated 0|1";
 * - hybrid (v1 controllers, systemd's tree on v2 under unified/): <root>/unified<cg>/cgroup.events;
 * - v1 (legacy): no cgroup.events; systemd's named hierarchy <root>/systemd<cg>/cgroup.procs lists the
 *   unit's processes (empty: none).
 * undefined when none of the three is there (no fast path: `systemctl show` every showIntervalS).
 */
export function cgroupWatch(
  root: string,
): ((controlGroup: string) => { file: string; parse: (text: string) => boolean | undefined }) | undefined {
  const events = (dir: string) => (cg: string) => ({
    file: `${dir}${cg}/cgroup.events`,
    parse: (t: string) => ((m) => (m ? m[1] === '1' : undefined))(/populated (\d)/.exec(t)),
  });
  if (existsSync(`${root}/cgroup.controllers`)) return events(root);
  if (existsSync(`${root}/unified/cgroup.controllers`)) return events(`${root}/unified`);
  if (existsSync(`${root}/systemd/cgroup.procs`))
    return (cg) => ({ file: `${root}/systemd${cg}/cgroup.procs`, parse: (t) => t.trim() !== '' });
  return undefined;
}

function readPopulated(w: { file: string; parse: (text: string) => boolean | undefined }): boolean | undefined {
  try {
    return w.parse(readFileSync(w.file, 'utf8'));
  } catch {
    return false; // the cgroup disappears when the unit stops
  }
}

export default defineProbe({
  type: 'systemd',
  options: Options,
  // Every heartbeat (5 s): the cheap path is one small sysfs read, and a result rides on the next
  // heartbeat, so a stopped unit reaches the collector within about two intervals.
  defaultIntervalS: 5,
  defaultTimeoutS: 5,
  defaultName: (o) => `systemd:${o.unit}`,
  create(o) {
    const unit = unitName(o.unit);
    let layout: ReturnType<typeof cgroupWatch> | null = null;
    const watch = (cg: string | undefined) => {
      if (!cg) return undefined;
      if (layout === null) layout = cgroupWatch(o.cgroupRoot);
      return layout?.(cg);
    };
    let last: { props: Record<string, string>; at: number; populated: boolean | undefined } | undefined;
    return {
      async run(ctx) {
        if (!existsSync(o.systemRoot)) {
          return { status: 'unknown', message: `systemd is not running on this host (${o.systemRoot} missing); cannot check ${unit}` };
        }
        const cgFile = watch(last?.props.ControlGroup);
        const populated = cgFile ? readPopulated(cgFile) : undefined;
        const stale = !last || ctx.now() - last.at >= o.showIntervalS * 1000 || populated !== last.populated || !cgFile;
        if (stale) {
          const r = await run(o.systemctl, ['show', unit, '--no-pager', '-p', 'LoadState,ActiveState,SubState,NRestarts,ControlGroup'], {
            signal: ctx.signal,
          });
          if (r.code !== 0) {
            last = undefined;
            return {
              status: 'unknown',
              message: `systemctl show ${unit} failed: ${(r.error ?? r.stderr.trim()) || `exit ${r.code}`}`.slice(0, 2000),
            };
          }
          const props = parseShow(r.stdout);
          const cg = watch(props.ControlGroup);
          last = { props, at: ctx.now(), populated: cg ? readPopulated(cg) : undefined };
        }
        const p = last!.props;
        const status = statusOf(p);
        const restarts = p.NRestarts !== undefined && p.NRestarts !== '' ? Number(p.NRestarts) : null;
        const message = p.LoadState === 'not-found' ? `${unit} not found` : `${unit} ${p.ActiveState ?? '?'} (${p.SubState ?? '?'})`;
        return {
          status,
          message,
          values: {
            activeState: p.ActiveState ?? null,
            subState: p.SubState ?? null,
            restarts: Number.isFinite(restarts) ? restarts : null,
          },
        };
      },
    };
  },
});
