/** An in-process collector on a real test database with a hand-driven clock (no timers, no socket). */
import pino from 'pino';
import { loadConfig, type Config } from '../../collector/src/config.ts';
import { assemble } from '../../collector/src/runtime.ts';
import { registerNode } from '../../collector/src/services/nodes.ts';
import { fixtures, type Report } from '@timmy/shared';

export class ManualClock {
  now: number;
  constructor(start: number) {
    this.now = start;
  }
  readonly fn = () => this.now;
  advance(ms: number) {
    this.now += ms;
  }
}

export async function testCollector(databaseUrl: string, clock: ManualClock, overrides: Partial<Config> = {}) {
  const config = { ...loadConfig({ TIMMY_ADMIN_TOKEN: 'admin-token-for-tests-0123456789', LOG_LEVEL: 'silent', TIMMY_ANONYMOUS_READ: 'true' }), databaseUrl, ...overrides };
  const parts = await assemble(config, databaseUrl, clock.fn, pino({ level: process.env.TEST_LOG ?? 'silent' }));
  return {
    ...parts,
    config,
    async register(name: string, extra: { operator?: string; region?: string } = {}) {
      return registerNode(parts.database, parts.services.credentials, { name, ...extra }, clock.now);
    },
    async close() {
      await parts.app.close();
      await parts.services.writer.drain();
      await parts.database.close();
    },
  };
}

let seqCounter = 0;
/** A report in the golden shape with fresh samples at the given agent times. */
export function reportAt(times: number[], opts: { stream?: string; sentAt?: number; seqStart?: number; gatewayOk?: boolean } = {}): Report {
  const base = fixtures.report();
  const template = base.samples[0]!;
  const seqStart = opts.seqStart ?? ++seqCounter * 1000;
  return {
    v: 1,
    stream: opts.stream ?? 'teststream01',
    agentVersion: base.agentVersion,
    sentAt: opts.sentAt ?? Math.max(...times),
    samples: times.map((ts, i) => ({
      seq: seqStart + i,
      ts,
      heartbeat: template.heartbeat,
      checks: [{ name: 'gateway', probe: 'systemd', status: opts.gatewayOk === false ? 'critical' : 'ok', message: opts.gatewayOk === false ? 'inactive' : 'active', slaCritical: true }],
    })),
  };
}
