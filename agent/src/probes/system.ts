/** Load and memory from /proc/loadavg and /proc/meminfo. */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Type } from '@sinclair/typebox';
import type { CheckStatus } from '@timmy/shared';
import { defineProbe, round, worst } from './probe.ts';

const Options = Type.Object(
  {
    memWarnPct: Type.Number({ minimum: 0, maximum: 100, default: 90 }),
    memCriticalPct: Type.Number({ minimum: 0, maximum: 100, default: 97 }),
    loadWarnPerCore: Type.Number({ minimum: 0, default: 4, description: '5-minute load per core that warns' }),
    procRoot: Type.String({ default: '/proc' }),
  },
  { additionalProperties: false },
);

export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * (line.includes('kB') ? 1024 : 1);
  }
  return out;
}

export default defineProbe({
  type: 'system',
  options: Options,
  defaultIntervalS: 30,
  defaultTimeoutS: 5,
  defaultName: () => 'system',
  create(o) {
    const cores = availableParallelism();
    return {
      async run() {
        const [l1, l5, l15] = readFileSync(`${o.procRoot}/loadavg`, 'utf8').split(' ').map(Number);
        const mem = parseMeminfo(readFileSync(`${o.procRoot}/meminfo`, 'utf8'));
        const total = mem.MemTotal ?? 0;
        const avail = mem.MemAvailable ?? mem.MemFree ?? 0;
        const memUsedPct = total > 0 ? round(((total - avail) / total) * 100) : 0;
        const swapTotal = mem.SwapTotal ?? 0;
        const swapUsedPct = swapTotal > 0 ? round(((swapTotal - (mem.SwapFree ?? 0)) / swapTotal) * 100) : 0;
        let status: CheckStatus = memUsedPct >= o.memCriticalPct ? 'critical' : memUsedPct >= o.memWarnPct ? 'warn' : 'ok';
        if ((l5 ?? 0) / cores >= o.loadWarnPerCore) status = worst(status, 'warn');
        return {
          status,
          message: `load ${l1} ${l5} ${l15} on ${cores} cores, memory ${memUsedPct}% used`,
          values: {
            load1: l1 ?? null,
            load5: l5 ?? null,
            load15: l15 ?? null,
            cores,
            memTotalBytes: total,
            memAvailableBytes: avail,
            memUsedPct,
            swapUsedPct,
          },
        };
      },
    };
  },
});
