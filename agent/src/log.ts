/** One pino root (JSON to stdout: journald keeps it); children per probe. Never log a credential. */
import pino, { type Logger } from 'pino';

export function rootLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { svc: 'timmy-fleet' }, redact: { paths: ['authorization', 'credential', 'token', '*.authorization', '*.credential', '*.token'], censor: '[redacted]' } }, destination ?? pino.destination({ fd: 1, sync: false }));
}
