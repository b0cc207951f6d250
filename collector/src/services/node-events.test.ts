/** The replay buffer of live node state changes (services/node-events.ts): what a stream opening later is given. */
import pino from 'pino';
import type postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { NodeEvents, REPLAY_MAX, REPLAY_MS, firstIdAt } from './node-events.ts';

const payload = (i: number) =>
  JSON.stringify({
    nodeId: i,
    node: `n-${i}`,
    operatorId: 1,
    operator: 'op',
    region: 'eu',
    from: 'UNKNOWN',
    to: 'UP',
    at: '2026-12-03T00:00:00Z',
    cause: null,
  });

/** A NodeEvents fed by hand: what the listening connection hands it (the database is not reached). */
function fed(clock: { now: number }) {
  const events = new NodeEvents(null as unknown as postgres.Sql, () => clock.now, pino({ level: 'silent' }));
  const deliver = (p: string) => (events as unknown as { deliver: (p: string) => void }).deliver(p);
  return { events, deliver };
}

describe('the replay buffer', () => {
  it('keeps the newest REPLAY_MAX changes, in order, through a storm of changes in one millisecond', () => {
    const clock = { now: Date.UTC(2026, 11, 3, 12) };
    const { events, deliver } = fed(clock);
    const n = REPLAY_MAX + 2_500;
    for (let i = 1; i <= n; i++) deliver(payload(i));
    const kept = events.after(0);
    expect(kept).toHaveLength(REPLAY_MAX);
    expect(kept[0]!.change.nodeId).toBe(n - REPLAY_MAX + 1);
    expect(kept.at(-1)!.change.nodeId).toBe(n);
    for (let i = 1; i < kept.length; i++) expect(kept[i]!.id).toBe(kept[i - 1]!.id + 1);
    // After an id: only what came later.
    expect(events.after(kept.at(-11)!.id).map((r) => r.change.nodeId)).toEqual(Array.from({ length: 10 }, (_, k) => n - 9 + k));
  });

  it('drops changes older than REPLAY_MS as new ones arrive, and nothing is answered twice or out of order', () => {
    const clock = { now: Date.UTC(2026, 11, 3, 12) };
    const { events, deliver } = fed(clock);
    for (let i = 1; i <= 3_000; i++) deliver(payload(i));
    clock.now += REPLAY_MS / 2;
    for (let i = 3_001; i <= 3_100; i++) deliver(payload(i));
    expect(events.after(0)).toHaveLength(3_100);
    // Ids run a thousand per millisecond (firstIdAt): the 3,000 of one millisecond reach 3 ms past it.
    clock.now += REPLAY_MS / 2 + 3;
    deliver(payload(3_101));
    expect(events.after(0).map((r) => r.change.nodeId)).toEqual(Array.from({ length: 101 }, (_, k) => 3_001 + k));
    expect(events.after(firstIdAt(clock.now) - 1).map((r) => r.change.nodeId)).toEqual([3_101]);
  });
});
