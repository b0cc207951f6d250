import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import type { AlertMetrics } from './metrics.ts';
import { loadAlerting } from './config.ts';
import { cycleNice, startCycleThread } from './cycle-thread.ts';
import { LOCKS } from '../db/database.ts';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const MIN = 60_000;
const clock = new ManualClock(T0);
let c: Awaited<ReturnType<typeof testCollector>>;
let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase('cycle_thread', { migrated: true });
  c = await testCollector(db.url, clock);
  await c.services.observation.open();
  const { token } = await c.register('thread-node');
  const res = await c.app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    payload: JSON.stringify(reportAt([T0])),
  });
  expect(res.statusCode).toBe(200);
});
afterAll(async () => {
  await c.close();
  await db.drop();
});

it('runs the alert cycle on a worker thread with its own connections, and forwards its metrics', async () => {
  const calls: string[] = [];
  const metrics: AlertMetrics = {
    recordAttempt: (channel) => calls.push(`attempt:${channel}`),
    setOutbox: () => calls.push('outbox'),
    setOpenIncidents: () => calls.push('open'),
    recordIncidentEvent: (type, severity) => calls.push(`event:${type}:${severity}`),
  };
  const thresholds = { tiers: c.config.sla.tiers, fleetTargetPct: c.config.sla.fleetTargetPct };
  const plan = { engine: loadAlerting(c.config.alerts, c.config.publicUrl).engine, thresholds };
  const thread = startCycleThread(plan, db.url, metrics, pino({ level: 'silent' }));
  try {
    // Started at once, not at the first cycle: ready (modules loaded, a connection open) before any run.
    await thread.ready;
    const observingSince = T0 - 60 * MIN;
    // 10 minutes without a heartbeat: offline (pending, then firing once `for` has passed).
    const first = await thread.run(T0 + 10 * MIN, observingSince);
    const second = await thread.run(T0 + 20 * MIN, observingSince);
    const transitions = [first, second].flatMap((o) => (o.ran ? o.transitions : [])).filter((t) => t.key.includes('thread-node'));
    expect(first.ran && second.ran).toBe(true);
    // The worker thread, and only it, runs at the lower priority (Linux keeps a nice value per thread):
    // lower than this thread's, whatever this one's is (the test command runs this file at 10).
    if (existsSync('/proc/self/task')) {
      const base = getPriority();
      const nice = readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return { tid: Number(tid), nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) };
      });
      expect(nice.filter((t) => t.nice === cycleNice(base))).toHaveLength(1);
      expect(nice.find((t) => t.tid === process.pid)!.nice).toBe(base);
      expect(cycleNice(base)).toBeGreaterThan(base);
    }
    expect(transitions.map((t) => t.to)).toContain('firing');
    // The incident it opened is in the database the main thread reads, and its event reached our metrics.
    const open = await c.services.alerts.list({ status: 'open' } as never);
    expect(JSON.stringify(open)).toContain('thread-node');
    expect(calls.some((k) => k.startsWith('event:opened'))).toBe(true);
    // Held lock elsewhere: the thread reports it instead of running twice.
    const held = await c.database.sql.reserve();
    try {
      await held`select pg_advisory_lock(${LOCKS.alerts})`;
      expect(await thread.run(T0 + 21 * MIN, observingSince)).toEqual({ ran: false, reason: 'locked' });
      await held`select pg_advisory_unlock(${LOCKS.alerts})`;
    } finally {
      held.release();
    }
  } finally {
    await thread.close();
  }
});
