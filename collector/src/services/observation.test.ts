/**
 * A collector that has not managed a beat for a while (its database away) does not count that time as
 * observed: its own span ends at its last beat until a beat succeeds again, so a settle run in the
 * meantime (first query after the database returns) cannot turn the outage into DOWN time.
 */
import pino from 'pino';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock } from '../../../test/support/harness.ts';
import { ObservationRecorder } from './observation.ts';

let db: Awaited<ReturnType<typeof migratedTestDatabase>>;
let sql: postgres.Sql;

beforeAll(async () => {
  db = await migratedTestDatabase('observation');
  sql = db.sql;
});

afterAll(async () => {
  await db?.drop();
});

/** A recorder with a 500 ms beat on its own day's clock, its span opened at the clock's start. */
async function openedRecorder(day: number) {
  const clock = new ManualClock(Date.UTC(2026, 0, day));
  const rec = new ObservationRecorder(sql, clock.fn, 500, pino({ level: 'silent' }));
  await rec.open();
  return { clock, rec, start: clock.now };
}

describe('ObservationRecorder.spans', () => {
  it('counts its own span up to now only while its beats succeed', async () => {
    const { clock, rec, start } = await openedRecorder(1);
    clock.advance(500);
    await rec.beat();
    const lastBeat = clock.now;
    clock.advance(400);
    expect(await rec.spans(start - 1000, clock.now)).toEqual([{ start, end: clock.now }]);
    // No beat for 10 s (the database away): the span ends at the last beat.
    clock.advance(10_000);
    expect(await rec.spans(start - 1000, clock.now)).toEqual([{ start, end: lastBeat }]);
  });
});

describe('ObservationRecorder.beat', () => {
  it('claims no time after the arrival of a report still being stored, and all of it once stored', async () => {
    const { clock, rec, start } = await openedRecorder(2);
    clock.advance(200);
    const arrival = clock.now;
    const done = rec.ingest.begin(arrival);
    clock.advance(300);
    await rec.beat();
    const claimed = async () =>
      (await sql<{ t: Date }[]>`select last_beat_at as t from collector_spans where instance_id = ${rec.instanceId}`)[0]!.t.getTime();
    expect(await claimed()).toBe(arrival);
    expect(await rec.spans(start - 1000, clock.now)).toEqual([{ start, end: arrival }]);
    done();
    clock.advance(500);
    await rec.beat();
    expect(await claimed()).toBe(clock.now);
  });

  it('does not beat while a report has waited on the database for three beats', async () => {
    const { clock, rec } = await openedRecorder(3);
    rec.ingest.begin(clock.now);
    clock.advance(1600);
    await expect(rec.beat()).rejects.toThrow(/not observing/);
    expect(rec.continuousSince(clock.now)).toBe(null);
  });
});
