import { describe, expect, it } from 'vitest';
import type { Report } from '@timmy/shared';
import { follows, markOf, prepareReport } from './prepare.ts';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const limits = { freshMs: 10_000, maxFutureMs: 600_000, maxAgeMs: 48 * 3_600_000 };
const hb = { bootId: 'b', uptimeS: 1, agentRssBytes: 1024, agentCpuSeconds: 1 };

function report(samples: Array<{ seq: number; ts: number; gateway?: 'ok' | 'critical' | 'unknown' }>, sentAt = NOW): Report {
  return {
    v: 1,
    stream: 'stream0001',
    agentVersion: 't',
    sentAt,
    samples: samples.map((s) => ({
      seq: s.seq,
      ts: s.ts,
      heartbeat: hb,
      ...(s.gateway ? { checks: [{ name: 'gateway', probe: 'systemd', status: s.gateway, message: '', slaCritical: true }] } : {}),
    })),
  };
}

describe('prepareReport', () => {
  it.each([
    ['a fresh sample is live and counts at arrival', 0, true, NOW],
    ['a sample 10 s old is still live', 10_000, true, NOW],
    ['an older sample is late and counts at its sampling time on our clock', 60_000, false, NOW - 60_000],
  ])('%s', (_n, age, live, at) => {
    const p = prepareReport(report([{ seq: 1, ts: NOW - age }]), NOW, [], limits);
    expect(p.samples[0]).toMatchObject({ live, at });
  });

  it('measures age on the agent clock, so skew does not make samples late (or early)', () => {
    const skew = 3_600_000; // agent clock an hour ahead
    const p = prepareReport(
      report(
        [
          { seq: 1, ts: NOW + skew - 60_000 },
          { seq: 2, ts: NOW + skew },
        ],
        NOW + skew,
      ),
      NOW,
      [],
      { ...limits, maxFutureMs: 2 * 3_600_000 },
    );
    expect(p.skewMs).toBe(skew);
    expect(p.samples.map((s) => [s.live, s.at])).toEqual([
      [false, NOW - 60_000],
      [true, NOW],
    ]);
  });

  it('carries SLA-critical failures forward across samples that lack the check, and clears them on recovery', () => {
    const p = prepareReport(
      report([
        { seq: 1, ts: NOW - 15_000, gateway: 'critical' },
        { seq: 2, ts: NOW - 10_000 },
        { seq: 3, ts: NOW - 5_000, gateway: 'ok' },
      ]),
      NOW,
      [],
      limits,
    );
    expect(p.samples.map((s) => s.ok)).toEqual([false, false, true]);
    expect(p.samples[1]!.detail).toEqual({ failing: ['gateway'], checks: [] });
    expect(p.failing).toEqual([]);
  });

  it('an unknown result of an SLA-critical check is not a failure; a prior failure carries in', () => {
    expect(prepareReport(report([{ seq: 1, ts: NOW, gateway: 'unknown' }]), NOW, [], limits).samples[0]!.ok).toBe(true);
    expect(prepareReport(report([{ seq: 1, ts: NOW }]), NOW, ['gateway'], limits).samples[0]!.ok).toBe(false);
  });

  it.each([
    ['more than 10 minutes in the future', NOW + 600_001],
    ['older than the raw retention', NOW - 48 * 3_600_000 - 1],
  ])('rejects a sample %s, one by one', (_n, ts) => {
    const p = prepareReport(
      report([
        { seq: 1, ts: NOW },
        { seq: 2, ts },
      ]),
      NOW,
      [],
      limits,
    );
    expect(p.samples.map((s) => s.seq)).toEqual([1]);
    expect(p.rejected).toEqual([expect.objectContaining({ seq: 2, code: 'FLEET_TIMESTAMP_OUT_OF_RANGE' })]);
  });

  it('rejects a seq repeated inside one report', () => {
    const p = prepareReport(
      report([
        { seq: 7, ts: NOW },
        { seq: 7, ts: NOW },
      ]),
      NOW,
      [],
      limits,
    );
    expect(p.samples).toHaveLength(1);
    expect(p.rejected[0]).toMatchObject({ seq: 7, code: 'FLEET_BAD_REQUEST' });
  });
});

describe('the report that follows a stored one (markOf, follows)', () => {
  const seqs = (...s: number[]) => s.map((seq) => ({ seq }));
  it('is the same stream starting at the next seq, in whatever order its samples come', () => {
    const mark = markOf('s1', seqs(7, 5, 6));
    expect(mark).toEqual({ stream: 's1', lastSeq: 7 });
    expect(follows(mark, 's1', seqs(9, 8))).toBe(true);
    expect(follows(mark, 's1', seqs(9))).toBe(false); // seq 8 went elsewhere
    expect(follows(mark, 's1', seqs(7, 8))).toBe(false); // a resend
    expect(follows(mark, 's2', seqs(8))).toBe(false); // another stream (the agent restarted)
    expect(follows(undefined, 's1', seqs(8))).toBe(false);
  });
});
