import { describe, expect, it } from 'vitest';
import { cutAt, IngestWatch } from './ingest-watch.ts';

describe('IngestWatch', () => {
  it('settles up to now, or the arrival of the oldest report still being handled', () => {
    let now = 10_000;
    const w = new IngestWatch(() => now);
    expect(w.settledTo(now)).toBe(10_000);
    const first = w.begin(9_000);
    now = 10_500;
    const second = w.begin(9_500);
    expect(w.settledTo(now)).toBe(9_000);
    first();
    expect(w.settledTo(now)).toBe(9_500);
    second();
    second();
    expect(w.settledTo(now)).toBe(10_500);
  });

  it('is stalled by a stage waiting longer than the limit, counted from the stage, not the arrival', () => {
    let now = 10_000;
    const w = new IngestWatch(() => now);
    // A body that took long to arrive: its arrival is old, its wait on the database is not.
    const done = w.begin(1_000);
    expect(w.stalled(now, 1_500)).toBe(false);
    now = 11_600;
    expect(w.stalled(now, 1_500)).toBe(true);
    done();
    expect(w.stalled(now, 1_500)).toBe(false);
  });

  it('keeps the losses until the beat has acted on them, including those recorded meanwhile', () => {
    const w = new IngestWatch(() => 0);
    w.lose(5_000);
    w.lose(3_000);
    w.lose(5_000);
    const seen = w.losses();
    expect(seen).toEqual([3_000, 5_000]);
    w.lose(4_000);
    w.acted(seen);
    expect(w.losses()).toEqual([4_000]);
  });
});

describe('cutAt', () => {
  it('ends a span at the first loss inside it and leaves the others', () => {
    const spans = [
      { start: 0, end: 10 },
      { start: 10, end: 20 },
      { start: 30, end: 40 },
    ];
    expect(cutAt(spans, [12, 15, 40])).toEqual([
      { start: 0, end: 10 },
      { start: 10, end: 12 },
      { start: 30, end: 40 },
    ]);
    expect(cutAt(spans, [])).toEqual(spans);
  });
});
