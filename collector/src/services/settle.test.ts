/**
 * The scripted timeline of the foundation issue, against a real PostgreSQL and the real ingest and
 * settle paths, with a hand-driven clock: agent up 10 min, silent 2 min, up 8 min; the collector
 * stopped for 1 min in between.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import { loadConfig } from '../config.ts';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const STEP = 5 * S;

type Collector = Awaited<ReturnType<typeof testCollector>>;
// The per-node rate limit runs on real time; a simulated 20 minutes pass in seconds here.
const start = (url: string, clock: ManualClock) =>
  testCollector(url, clock, { ingest: { ...loadConfig({}).ingest, rateLimitPerNodePerMin: 100_000, flushDelayMs: 0 } });

async function scriptedTimeline(opts: { bufferDuringOutage: boolean }) {
  const db = await createTestDatabase('timeline');
  const clock = new ManualClock(T0 - 30 * S);
  let c: Collector = await start(db.url, clock);
  await c.services.observation.open();
  const { token } = await c.register('node-x');
  let seq = 1;
  const buffered: number[] = [];
  const send = async (times: number[]) => {
    const res = await c.app.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: { authorization: `Bearer ${token}` },
      payload: reportAt(times, { seqStart: seq, sentAt: clock.now }),
    });
    seq += times.length;
    expect(res.statusCode).toBe(200);
  };
  for (let t = T0; t <= T0 + 20 * MIN; t += STEP) {
    clock.now = t;
    const rel = t - T0;
    if (rel === 15 * MIN) {
      // The collector stops cleanly for one minute.
      await c.services.observation.close();
      await c.close();
    }
    const collectorUp = rel < 15 * MIN || rel >= 16 * MIN;
    if (rel === 16 * MIN) {
      c = await start(db.url, clock);
      await c.services.observation.open();
    }
    if (collectorUp) await c.services.observation.beat();
    const agentUp = rel < 10 * MIN || rel >= 12 * MIN;
    if (agentUp) {
      if (!collectorUp) {
        if (opts.bufferDuringOutage) buffered.push(t);
        // A sample the agent took and lost still had its seq: the stream shows a gap, not contiguity.
        else seq++;
      } else {
        await send([...buffered.splice(0), t]);
      }
    }
    if (collectorUp) await c.services.settler.run(clock.now);
  }
  const res = await c.app.inject({ url: '/v1/nodes/node-x/uptime?intervals=true' });
  const body = res.json();
  if (res.statusCode !== 200) throw new Error(`uptime: ${res.statusCode} ${res.body}`);
  await c.close();
  await db.drop();
  return body;
}

describe('scripted timeline (real database, injected clock)', () => {
  let lost: Awaited<ReturnType<typeof scriptedTimeline>>;
  let backfilled: Awaited<ReturnType<typeof scriptedTimeline>>;
  beforeAll(async () => {
    lost = await scriptedTimeline({ bufferDuringOutage: false });
    backfilled = await scriptedTimeline({ bufferDuringOutage: true });
  }, 180_000);
  afterAll(() => {});

  it('the agent silence is DOWN from its last heartbeat, to within one interval', () => {
    // last heartbeat 9:55, next 12:00 → 125 s
    expect(Math.abs(lost.downSeconds - 125)).toBeLessThanOrEqual(5);
    const down = lost.intervals.filter((i: { state: string }) => i.state === 'DOWN');
    expect(down).toHaveLength(1);
    expect(down[0].cause).toBe('missed_heartbeats');
    expect(Date.parse(down[0].start)).toBe(T0 + 10 * MIN - STEP);
    expect(down[0].evidence.lastHeartbeatAt).toBe(T0 + 10 * MIN - STEP);
  });

  it("the collector's own outage is UNKNOWN, not DOWN", () => {
    // last heartbeat before the stop 14:55, first after the restart 16:00 → 65 s
    expect(Math.abs(lost.unknownSeconds - 60)).toBeLessThanOrEqual(5);
    const unknown = lost.intervals.filter((i: { state: string }) => i.state === 'UNKNOWN');
    expect(unknown).toHaveLength(1);
    expect(unknown[0].cause).toBe('not_observing');
  });

  it('the 30-day uptime is UP / (UP + DOWN) over the timeline', () => {
    const up = 20 * 60 - 125 - 65;
    expect(Math.abs(lost.upSeconds - up)).toBeLessThanOrEqual(5);
    expect(lost.ratio).toBeCloseTo(up / (up + 125), 3);
    expect(lost.upSeconds + lost.downSeconds + lost.unknownSeconds).toBeCloseTo(20 * 60, 0);
  });

  it('samples the agent buffered during the outage, delivered later, settle it as UP', () => {
    expect(backfilled.unknownSeconds).toBe(0);
    expect(Math.abs(backfilled.downSeconds - 125)).toBeLessThanOrEqual(5);
    expect(Math.abs(backfilled.upSeconds - (20 * 60 - 125))).toBeLessThanOrEqual(5);
  });
});
