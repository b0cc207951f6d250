/**
 * Time no collector observed, settled from what the agent delivered afterwards, against a real
 * PostgreSQL and the real ingest and settle paths with a hand-driven clock: the samples' own sampling
 * times, and the agent's own record (seq, boot) as evidence that it was not running.
 */
import { describe, expect, it } from 'vitest';
import type { Report, StateIntervalView } from '@timmy/shared';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import { loadConfig } from '../config.ts';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2026, 10, 24, 6, 0, 0);

type Collector = Awaited<ReturnType<typeof testCollector>>;
type Interval = StateIntervalView;

/**
 * A node whose agent samples at `samples` (agent clock = ours), pushing each sample as taken while the
 * collector is up and `deliver(t)` says so, buffering it otherwise; the collector is down over
 * [down.from, down.to) (a clean stop, then a restart). Returns the node's intervals over [T0, end).
 */
async function scenario(opts: {
  samples: Array<{ ts: number; seq: number; uptimeS?: number }>;
  down: { from: number; to: number };
  /** When the agent manages to deliver (after the restart it backs off); default: at once. */
  deliverAt?: (ts: number) => number;
  end: number;
}) {
  const db = await createTestDatabase('settle_evidence', { migrated: true });
  const clock = new ManualClock(T0 - 30 * S);
  const start = () =>
    testCollector(db.url, clock, { ingest: { ...loadConfig({}).ingest, rateLimitPerNodePerMin: 100_000, flushDelayMs: 0 } });
  let c: Collector | null = await start();
  await c.services.observation.open();
  const { token } = await c.register('node-e');
  const buffered: Report['samples'] = [];
  const pending = [...opts.samples];
  const deliverAt = opts.deliverAt ?? ((ts: number) => ts);
  // Events in time order: collector beats every 2 s, its stop and restart, sampling, deliveries.
  for (let t = T0 - 20 * S; t <= opts.end; t += 50) {
    clock.now = t;
    if (c && t >= opts.down.from && t < opts.down.to) {
      await c.services.observation.close();
      await c.close();
      c = null;
    }
    if (!c && t >= opts.down.to) {
      c = await start();
      await c.services.observation.open();
    }
    while (pending.length && pending[0]!.ts <= t) {
      const s = pending.shift()!;
      const r = reportAt([s.ts], { seqStart: s.seq });
      // The node booted a day before T0 unless the sample says otherwise.
      r.samples[0]!.heartbeat = { ...r.samples[0]!.heartbeat, uptimeS: s.uptimeS ?? 86_400 + (s.ts - T0) / S };
      buffered.push(r.samples[0]!);
    }
    if (c && buffered.length && deliverAt(buffered.at(-1)!.ts) <= t) {
      const res = await c.app.inject({
        method: 'POST',
        url: '/v1/reports',
        headers: { authorization: `Bearer ${token}` },
        payload: { ...reportAt([T0]), sentAt: t, samples: buffered.splice(0) },
      });
      expect(res.statusCode).toBe(200);
    }
    if (c && t % (2 * S) === 0) {
      await c.services.observation.beat();
      await c.services.settler.run(t);
    }
  }
  const res = await c!.app.inject({
    url: `/v1/nodes/node-e/uptime?intervals=true&from=${new Date(T0).toISOString()}&to=${new Date(opts.end).toISOString()}`,
  });
  await c!.close();
  await db.drop();
  expect(res.statusCode).toBe(200);
  return res.json() as { upSeconds: number; downSeconds: number; unknownSeconds: number; intervals: Interval[] };
}

/** Samples every `step` ms over [from, to), seq from `seq`. */
function every(from: number, to: number, step: number, seq: number) {
  const out: Array<{ ts: number; seq: number }> = [];
  for (let t = from; t < to; t += step) out.push({ ts: t, seq: seq++ });
  return out;
}

describe('settling time no collector observed (real database, injected clock)', () => {
  it('buffered samples delivered just after a restart, fresh enough to count as live, settle the outage at their sampling times', async () => {
    // Samples every 5.1 s; the collector is down [2:00, 2:30). The agent backs off and delivers what it
    // buffered at 2:42.95: the sample of 2:27.9 is 15.05 s old (late, placed at its sampling time), those
    // of 2:33.0 and 2:38.1 are fresh (live, stamped at arrival). The 15.05 s from 2:27.9 to the arrival
    // exceed the grace: only the live ones' sampling times settle them.
    const samples = every(T0, T0 + 4 * MIN, 5_100, 1);
    const r = await scenario({
      samples,
      down: { from: T0 + 2 * MIN, to: T0 + 2 * MIN + 30 * S },
      deliverAt: (ts) => (ts < T0 + 2 * MIN ? ts : Math.max(ts, T0 + 162_950)),
      end: T0 + 4 * MIN,
    });
    expect({ down: r.downSeconds, unknown: r.unknownSeconds }).toEqual({ down: 0, unknown: 0 });
  }, 120_000);

  it('an agent that died before the collector went down, back long after with the next seq, is DOWN for the whole outage (agent_evidence)', async () => {
    // The agent's last sample before it died: 1:55 (seq 24). The collector stops at 2:05 (it never saw
    // the grace run out), restarts at 2:35; the agent restarts at 3:00 with seq 25 (its seq survives a restart).
    const samples = [...every(T0, T0 + 2 * MIN, 5 * S, 1), ...every(T0 + 3 * MIN, T0 + 5 * MIN, 5 * S, 25)];
    const r = await scenario({ samples, down: { from: T0 + 2 * MIN + 5 * S, to: T0 + 2 * MIN + 35 * S }, end: T0 + 5 * MIN });
    expect(r.downSeconds).toBe(65);
    expect(r.unknownSeconds).toBe(0);
    expect(r.intervals.filter((i) => i.state === 'DOWN')).toEqual([
      {
        state: 'DOWN',
        start: new Date(T0 + 115 * S).toISOString(),
        end: new Date(T0 + 3 * MIN).toISOString(),
        cause: 'agent_evidence',
        evidence: { proof: 'seq_contiguous', lastHeartbeatAt: T0 + 115 * S, nextHeartbeatAt: T0 + 3 * MIN, lastSeq: 24, nextSeq: 25 },
      },
    ]);
  }, 120_000);

  it('a node that rebooted during the outage is DOWN from its boot; before the boot, with no evidence, UNKNOWN', async () => {
    // As above, but the agent's buffer tail was cut (seq skips ahead) and the node booted at 2:40 (its
    // uptime at its first sample, 3:00, is 20 s).
    const after = every(T0 + 3 * MIN, T0 + 5 * MIN, 5 * S, 100).map((s) => ({ ...s, uptimeS: 20 + (s.ts - T0 - 3 * MIN) / S }));
    const r = await scenario({
      samples: [...every(T0, T0 + 2 * MIN, 5 * S, 1), ...after],
      down: { from: T0 + 2 * MIN + 5 * S, to: T0 + 2 * MIN + 35 * S },
      end: T0 + 5 * MIN,
    });
    expect({ down: r.downSeconds, unknown: r.unknownSeconds }).toEqual({ down: 20, unknown: 45 });
    expect(
      r.intervals
        .filter((i) => i.state !== 'UP')
        .map((i) => [i.state, i.cause, i.evidence.proof ?? null, (Date.parse(i.start) - T0) / S, (Date.parse(i.end) - T0) / S]),
    ).toEqual([
      ['UNKNOWN', 'not_observing', null, 115, 160],
      ['DOWN', 'agent_evidence', 'new_boot', 160, 180],
    ]);
  }, 120_000);
});
