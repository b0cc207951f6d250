/**
 * The agent's logger: one root, children with bound fields (per probe / module), JSON lines on
 * stdout (journald keeps them), pino's level numbers and field names so the same tooling reads both.
 * Not pino itself: with the agent's 60 MB RSS budget, pino and its stream stack were worth more as
 * headroom than as features the agent does not use (transports, serializers, pretty printing).
 * Keys that could carry a secret are redacted wherever they appear at the top level of a line.
 */
import { writeSync } from 'node:fs';

export type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LEVELS: Record<Level, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
const SECRET = /^(authorization|credential|token|password|secret)$/i;

type Fields = Record<string, unknown>;
type LogFn = (obj: Fields | string, msg?: string) => void;

export interface Logger {
  level: Level;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  child(bindings: Fields): Logger;
  flush?(): void;
}

export function rootLogger(
  level: string,
  write: (line: string) => void = (l) => writeSync(1, l),
  bindings: Fields = { svc: 'timmy-fleet' },
): Logger {
  const min = LEVELS[level as Level] ?? LEVELS.info;
  const emit = (lvl: Level) => (obj: Fields | string, msg?: string) => {
    if (LEVELS[lvl] < min) return;
    const fields = typeof obj === 'string' ? {} : obj;
    const line: Fields = { level: LEVELS[lvl], time: Date.now(), ...bindings };
    for (const [k, v] of Object.entries(fields)) line[k] = SECRET.test(k) ? '[redacted]' : v;
    line.msg = typeof obj === 'string' ? obj : msg;
    try {
      write(`${JSON.stringify(line)}\n`);
    } catch {
      // stdout gone (EPIPE/EAGAIN): logging must never take the agent down
    }
  };
  return {
    level: level as Level,
    trace: emit('trace'),
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    fatal: emit('fatal'),
    child: (more) => rootLogger(level, write, { ...bindings, ...more }),
  };
}
