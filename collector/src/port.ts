/**
 * The collector's listening port, checked before anything starts: a taken port fails in a fraction of a
 * second instead of after PostgreSQL, the app and the jobs have started (and been stopped again).
 */
import { createServer } from 'node:net';
import type { Config } from './config.ts';

/** The error of a collector whose port is taken (FLEET_PORT_IN_USE). */
export function portInUse(config: Pick<Config, 'host' | 'port'>): Error {
  return Object.assign(
    new Error(
      `port ${config.port} on ${config.host} is taken by another program: stop it, or choose another port (TIMMY_PORT; 0 picks a free one)`,
    ),
    { code: 'FLEET_PORT_IN_USE' },
  );
}

/**
 * Whether the configured port is free right now: false only when another program holds it (port 0 is
 * always free; another failure, such as a privileged port, is left to the real listen to report).
 */
export async function portFree(config: Pick<Config, 'host' | 'port'>): Promise<boolean> {
  if (!config.port) return true;
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => resolve(e.code !== 'EADDRINUSE'));
    probe.listen({ host: config.host, port: config.port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
