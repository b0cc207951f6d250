/** Heartbeat: the agent is alive. Carries its own footprint, boot id, system uptime and clock offset. */
import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { defineProbe, round } from './probe.ts';

const CLK_TCK = 100; // Linux USER_HZ: 100 on every mainstream kernel build.

export function readBootId(path = '/proc/sys/kernel/random/boot_id'): string {
  try {
    return readFileSync(path, 'utf8').trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

export function parseUptime(text: string): number {
  const n = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/** cutime + cstime (children's CPU, fields 16 and 17 of /proc/self/stat) in seconds. */
export function childCpuSeconds(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // rest[0] is field 3 (state)
  const cutime = Number(rest[13]);
  const cstime = Number(rest[14]);
  return Number.isFinite(cutime + cstime) ? (cutime + cstime) / CLK_TCK : 0;
}

export default defineProbe({
  type: 'heartbeat',
  kind: 'heartbeat',
  options: Type.Object({}, { additionalProperties: false }),
  defaultIntervalS: 5,
  defaultTimeoutS: 2,
  defaultName: () => 'heartbeat',
  create() {
    const bootId = readBootId();
    return {
      async run(ctx) {
        let uptimeS = 0;
        let childCpu = 0;
        try {
          uptimeS = parseUptime(readFileSync('/proc/uptime', 'utf8'));
          childCpu = childCpuSeconds(readFileSync('/proc/self/stat', 'utf8'));
        } catch {
          // Not Linux: uptime 0 and no children figures; the heartbeat itself still counts.
        }
        const cpu = process.cpuUsage();
        const agentCpuSeconds = round((cpu.user + cpu.system) / 1e6 + childCpu, 3);
        const agentRssBytes = process.memoryUsage.rss();
        const clockOffsetMs = ctx.facts.clockOffsetMs;
        return {
          status: 'ok',
          message: `alive, rss ${(agentRssBytes / 1048576).toFixed(1)} MiB`,
          heartbeat: {
            bootId,
            uptimeS: round(uptimeS, 2),
            agentRssBytes,
            agentCpuSeconds,
            ...(clockOffsetMs === undefined ? {} : { clockOffsetMs: Math.round(clockOffsetMs) }),
          },
        };
      },
    };
  },
});
