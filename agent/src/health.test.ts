import { describe, expect, it } from 'vitest';
import { collectorRow, healthDue, type HealthFile } from './health.ts';

const file = (updatedAt: number, intervalS: number, lastAckAt: number | undefined): HealthFile => ({
  updatedAt,
  agentVersion: '0.0.0',
  pid: 1,
  intervalS,
  collectorUrl: 'https://collector.example',
  checks: [],
  push: { lastAckAt } as HealthFile['push'],
  buffer: { records: 0 } as HealthFile['buffer'],
  probes: [],
});

/**
 * A healthy daemon on the daemon's own write schedule: one sample every heartbeat interval, each
 * acknowledged `ackDelayMs` later, health.json written whenever `healthDue` says so (the only
 * change a reader cares about is the first acknowledgement, as in the daemon). Returns what `timmy-fleet health` would say when asked every quarter second.
 */
function askEveryQuarterSecond(
  intervalS: number,
  ackDelayMs: number,
  untilMs: number,
  stopSamplingAt = Infinity,
): Array<{ at: number; status: string; message: string }> {
  const iv = intervalS * 1000;
  const out: Array<{ at: number; status: string; message: string }> = [];
  let written: HealthFile | undefined;
  let lastWrite = -Infinity;
  let lastAck: number | undefined;
  for (let now = 0; now <= untilMs; now += 250) {
    // Events due by `now`: acknowledgements of earlier samples, then the sample (and maybe a write).
    if (now < stopSamplingAt) {
      const k = Math.floor(now / iv);
      if (k >= 1 && now - (k - 1) * iv >= ackDelayMs) lastAck = (k - 1) * iv + ackDelayMs;
      if (now % iv === 0 && healthDue(lastWrite, now, intervalS, !!lastAck !== !!written?.push.lastAckAt)) {
        lastWrite = now;
        written = file(now, intervalS, lastAck);
      }
    }
    if (now >= 2 * iv + ackDelayMs) {
      const r = collectorRow(written, now);
      out.push({ at: now, status: r.status, message: r.message });
    }
  }
  return out;
}

describe('health.json and the collector row agree with the heartbeat interval', () => {
  it.each([0.5, 1, 5, 10, 30])('a healthy node at %s s is ok every time it is asked', (intervalS) => {
    const answers = askEveryQuarterSecond(intervalS, Math.min(800, intervalS * 500), 180_000);
    expect(answers.length).toBeGreaterThan(100);
    expect(answers.filter((a) => a.status !== 'ok')).toEqual([]);
  });

  it('acknowledgements stopping turn the row WARN, then CRIT after 5 minutes', () => {
    const iv = 5000;
    const h = file(100_000, 5, 100_000 - iv);
    expect(collectorRow(h, 100_000 + iv).status).toBe('ok');
    expect(collectorRow({ ...h, updatedAt: 160_000 }, 160_000).status).toBe('warn');
    expect(collectorRow({ ...h, updatedAt: 100_000 + 301_000 }, 100_000 + 301_000).status).toBe('critical');
  });

  it('a daemon that stopped writing is reported as silent (critical) once the file is several writes old', () => {
    const answers = askEveryQuarterSecond(5, 800, 120_000, 60_000);
    const first = answers.find((a) => a.status === 'critical');
    expect(first?.message).toMatch(/agent daemon silent/);
    // Not before three heartbeats went by without a write.
    expect(first!.at).toBeGreaterThan(60_000 + 3 * 5000 - 5000);
  });

  it('no health.json at all: critical, the daemon is not running', () => {
    expect(collectorRow(undefined, 0)).toMatchObject({ status: 'critical', message: expect.stringMatching(/not running/) });
  });
});
