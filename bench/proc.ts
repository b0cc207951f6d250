/** Reading processes' CPU from /proc (Linux), for the benchmarks' figures. */
import { readFileSync, readdirSync } from 'node:fs';

/** USER_HZ: /proc/<pid>/stat's times are in 1/100 s. */
const TICKS_PER_S = 100;

/**
 * A process's /proc/<pid>/stat: its command name and the fields after it (index 0 is the state, 1 the
 * parent's pid, 11 and 12 user and system time, 13 and 14 those of its waited-for children), or null when
 * the process is gone.
 */
export function procStat(pid: number | string): { comm: string; fields: string[] } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
  } catch {
    return null;
  }
}

/** User + system CPU seconds of a process; with `reaped`, of its exited and waited-for children instead. */
export function cpuSeconds(pid: number | string, reaped = false): number {
  const f = procStat(pid)?.fields;
  return f ? (Number(f[reaped ? 13 : 11]) + Number(f[reaped ? 14 : 12])) / TICKS_PER_S : 0;
}

/** The pids now in /proc. */
export const livePids = (): string[] => readdirSync('/proc').filter((d) => /^\d+$/.test(d));

/** A process and its children (their CPU is the parent's work: PostgreSQL's backends, the collector's processes). */
export function withChildren(parent: number): number[] {
  const pids = [parent];
  for (const d of livePids()) if (Number(procStat(d)?.fields[1]) === parent) pids.push(Number(d));
  return pids;
}

/** A process's and its children's CPU seconds while alive, plus what its exited children used (its cutime and cstime). */
export const treeCpu = (parent: number): number => withChildren(parent).reduce((s, p) => s + cpuSeconds(p), 0) + cpuSeconds(parent, true);

/** A thread's (or a single-threaded process's) ms run on a CPU and ms waited, runnable, for one (schedstat); zeros once it is gone. */
export function schedstat(path: string): [run: number, wait: number] {
  try {
    const [run, wait] = readFileSync(path, 'utf8').split(' ').map(Number);
    return [run! / 1e6, wait! / 1e6];
  } catch {
    return [0, 0];
  }
}
