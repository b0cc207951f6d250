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
  const config = {
    ...loadConfig({ TIMMY_ADMIN_TOKEN: 'admin-token-for-tests-0123456789', LOG_LEVEL: 'silent', TIMMY_ANONYMOUS_READ: 'true' }),
    databaseUrl,
    ...overrides,
  };
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

/**
 * Alerting for the in-process incident tests: node-offline after 15 s without a heartbeat and 1 min more,
 * no restart grace, one webhook channel `lead` that nothing answers (port 9); `more` replaces any of it.
 */
export function nodeOfflineAlerts(more: Partial<Config['alerts']> = {}): Config['alerts'] {
  return {
    ...loadConfig({ LOG_LEVEL: 'silent' }).alerts,
    rules: { restartGraceMs: 0, rules: [{ id: 'node_offline', forMs: 60_000, graceMs: 15_000 }] },
    channels: [{ type: 'webhook', name: 'lead', url: 'http://127.0.0.1:9/hook' }],
    routing: { default: ['lead'] },
    ...more,
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
      checks: [
        {
          name: 'gateway',
          probe: 'systemd',
          status: opts.gatewayOk === false ? 'critical' : 'ok',
          message: opts.gatewayOk === false ? 'inactive' : 'active',
          slaCritical: true,
        },
      ],
    })),
  };
}

/** A node reports once at the clock's time, then falls silent for `seconds`: 5 s steps of the observation beat and the alert cycle. */
export async function reportThenFallSilent(
  c: Awaited<ReturnType<typeof testCollector>>,
  clock: ManualClock,
  token: string,
  seconds = 90,
): Promise<number> {
  const rep = await c.app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify(reportAt([clock.now])),
  });
  await c.services.writer.drain();
  for (let s = 5; s <= seconds; s += 5) {
    clock.advance(5_000);
    await c.services.observation.beat();
    await c.services.alerts.runCycle(clock.now);
  }
  return rep.statusCode;
}
