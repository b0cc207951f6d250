import { describe, expect, it } from 'vitest';
import heartbeat, { childCpuSeconds, parseUptime, readBootId } from './heartbeat.ts';
import { rootLogger } from '../log.ts';
import { testEnv } from './testkit.ts';

describe('heartbeat probe', () => {
  it('parses /proc/uptime and the children CPU of /proc/self/stat', () => {
    expect(parseUptime('12345.67 54321.00\n')).toBe(12345.67);
    const stat = '42 (node (weird) name) S 1 42 42 0 -1 4194560 1 2 3 4 150 50 700 300 20 0 11 0';
    expect(childCpuSeconds(stat)).toBe(10); // (700 + 300) ticks / 100
  });
  it('carries boot id, uptime, own RSS and CPU, and the clock offset once known', async () => {
    const inst = heartbeat.create({}, testEnv);
    const out = await inst.run({
      signal: new AbortController().signal,
      now: Date.now,
      log: rootLogger('silent'),
      facts: { clockOffsetMs: -12.4 },
    });
    expect(out.heartbeat?.bootId).toBe(readBootId());
    expect(out.heartbeat?.bootId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.heartbeat?.uptimeS).toBeGreaterThan(0);
    expect(out.heartbeat?.agentRssBytes).toBeGreaterThan(10 * 1048576);
    expect(out.heartbeat?.agentCpuSeconds).toBeGreaterThan(0);
    expect(out.heartbeat?.clockOffsetMs).toBe(-12);
  });
});
