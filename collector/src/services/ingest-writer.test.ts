import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '@timmy/shared';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import { waitFor } from '../../../test/support/processes.ts';
import { loadConfig } from '../config.ts';
import { checkNeedsWrite, type StoredCheck } from './ingest-writer.ts';

const S = 1000;
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);

describe('checkNeedsWrite', () => {
  const stored: StoredCheck = { status: 'ok', content: 'load 0.1', at: T0 };
  it.each([
    ['a check never written', undefined, { status: 'ok', content: 'load 0.1', at: T0 }, true],
    ['the same status and content', stored, { status: 'ok', content: 'load 0.1', at: T0 + 600 * S }, false],
    ['a new status, at once', stored, { status: 'warn', content: 'load 0.1', at: T0 + 1 }, true],
    ['a new message of the same status, too soon', stored, { status: 'ok', content: 'load 0.2', at: T0 + 59_999 }, false],
    ['a new message of the same status, after the refresh', stored, { status: 'ok', content: 'load 0.2', at: T0 + 60 * S }, true],
    ['an older result of the same status', stored, { status: 'ok', content: 'load 0.2', at: T0 - 120 * S }, false],
  ] as const)('%s', (_name, before, next, expected) => {
    expect(checkNeedsWrite(before, next, 60 * S)).toBe(expected);
  });
  it('with no refresh interval every change is written', () => {
    expect(checkNeedsWrite(stored, { status: 'ok', content: 'load 0.2', at: T0 }, 0)).toBe(true);
  });
});

describe('node_check_status under a stream of reports', () => {
  const clock = new ManualClock(T0);
  let c: Awaited<ReturnType<typeof testCollector>>;
  let drop: () => Promise<void>;
  let token: string;
  let nodeId: number;
  let seq = 1;

  beforeAll(async () => {
    const db = await createTestDatabase('checkrefresh', { migrated: true });
    drop = db.drop;
    c = await testCollector(db.url, clock, { ingest: { ...loadConfig({}).ingest, flushDelayMs: 0, checkRefreshS: 60 } });
    const node = await c.register('busy-node');
    token = node.token;
    nodeId = Number(node.nodeId);
  });
  afterAll(async () => {
    await c.close();
    await drop();
  });

  const push = async (t: number, status: CheckResult['status'], message: string) => {
    clock.now = t;
    const report = reportAt([t], { seqStart: seq++, sentAt: t });
    report.samples[0]!.checks = [
      { name: 'system', probe: 'system', status, message, slaCritical: false, values: { load1: Number(message.split(' ')[1]) } },
    ];
    const res = await c.app.inject({ method: 'POST', url: '/v1/reports', headers: { authorization: `Bearer ${token}` }, payload: report });
    expect(res.statusCode).toBe(200);
    const [row] = await c.database
      .sql`select status, message, value, since, updated_at from node_check_status where node_id = ${nodeId} and name = 'system'`;
    return {
      status: row!.status,
      message: row!.message,
      value: row!.value,
      since: (row!.since as Date).getTime() - T0,
      updated: (row!.updated_at as Date).getTime() - T0,
    };
  };

  it('stores a new status at once and a new message of the same status at most once a minute', async () => {
    const r = 60 * S;
    expect(await push(T0, 'ok', 'load 0.1')).toEqual({ status: 'ok', message: 'load 0.1', value: 0.1, since: 0, updated: 0 });
    expect(await push(T0 + 5 * S, 'ok', 'load 0.2')).toEqual({ status: 'ok', message: 'load 0.1', value: 0.1, since: 0, updated: 0 });
    expect(await push(T0 + 10 * S, 'warn', 'load 9')).toEqual({
      status: 'warn',
      message: 'load 9',
      value: 9,
      since: 10 * S,
      updated: 10 * S,
    });
    // Reports every 5 s with a new message: the row keeps the one written at 10 s until the interval is up.
    for (let t = 15 * S; t < 10 * S + r - 1; t += 5 * S) {
      expect(await push(T0 + t, 'warn', 'load 8')).toEqual({ status: 'warn', message: 'load 9', value: 9, since: 10 * S, updated: 10 * S });
    }
    expect(await push(T0 + 10 * S + r - 1, 'warn', 'load 8')).toEqual({
      status: 'warn',
      message: 'load 9',
      value: 9,
      since: 10 * S,
      updated: 10 * S,
    });
    expect(await push(T0 + 10 * S + r, 'warn', 'load 7')).toEqual({
      status: 'warn',
      message: 'load 7',
      value: 7,
      since: 10 * S,
      updated: 10 * S + r,
    });
    expect(await push(T0 + 15 * S + r, 'ok', 'load 0.5')).toEqual({
      status: 'ok',
      message: 'load 0.5',
      value: 0.5,
      since: 15 * S + r,
      updated: 15 * S + r,
    });
  });

  it('stores sample times to the millisecond', async () => {
    const times = [T0 + 100 * S + 1, T0 + 121 * S + 999, T0 + 142 * S + 123];
    clock.now = T0 + 142 * S + 457;
    const res = await c.app.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: { authorization: `Bearer ${token}` },
      payload: reportAt(times, { seqStart: 1000, sentAt: times[2] }),
    });
    expect(res.statusCode).toBe(200);
    const rows = await c.database.sql`select ts, received_at, at, live from samples where node_id = ${nodeId} and seq >= 1000 order by seq`;
    expect(rows.map((r) => [(r.ts as Date).getTime(), (r.received_at as Date).getTime()])).toEqual(times.map((t) => [t, clock.now]));
    // A live sample is placed at its receipt; a late one at its receipt less its age as the agent saw it.
    expect(rows.map((r) => [r.live, (r.at as Date).getTime()])).toEqual(
      times.map((t) => [t === times[2], t === times[2] ? clock.now : clock.now - (times[2]! - t)]),
    );
  });
});

describe('node_check_status with two collectors taking turns', () => {
  it('a node back from another collector has its checks written again, even when this one saw no change', async () => {
    const db = await createTestDatabase('checkrefresh2', { migrated: true });
    const clock = new ManualClock(T0);
    const ingest = { ...loadConfig({}).ingest, flushDelayMs: 0, checkRefreshS: 60 };
    const a = await testCollector(db.url, clock, { ingest });
    const b = await testCollector(db.url, clock, { ingest });
    try {
      const { token, nodeId } = await a.register('shared-node');
      let seq = 1;
      const push = async (c: typeof a, t: number, status: CheckResult['status']) => {
        clock.now = t;
        const report = reportAt([t], { seqStart: seq++, sentAt: t });
        report.samples[0]!.checks = [{ name: 'gateway', probe: 'systemd', status, message: status, slaCritical: true }];
        expect(
          (await c.app.inject({ method: 'POST', url: '/v1/reports', headers: { authorization: `Bearer ${token}` }, payload: report }))
            .statusCode,
        ).toBe(200);
        const [row] = await a.database.sql`select status from node_check_status where node_id = ${nodeId} and name = 'gateway'`;
        return row!.status;
      };
      expect(await push(a, T0, 'ok')).toBe('ok');
      expect(await push(a, T0 + 5 * S, 'ok')).toBe('ok');
      // The node moves to collector B for a while (a failover): B writes the status it sees.
      for (let t = 10; t <= 30; t += 5) expect(await push(b, T0 + t * S, 'critical')).toBe('critical');
      // Back on A with `ok`, what A last wrote: A has not had this node's reports for longer than the
      // offline grace (15 s), so it does not trust its memory of the row and writes it.
      expect(await push(a, T0 + 35 * S, 'ok')).toBe('ok');
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });
});

describe('a collector that cannot store reports does not claim to observe', () => {
  const clock = new ManualClock(T0);
  let c: Awaited<ReturnType<typeof testCollector>>;
  let drop: () => Promise<void>;
  let holder: postgres.Sql;

  beforeAll(async () => {
    const db = await createTestDatabase('ingestblocked', { migrated: true });
    drop = db.drop;
    // Beats every 20 ms: a commit in flight for three (60 ms) counts as stalled.
    const defaults = loadConfig({});
    c = await testCollector(db.url, clock, {
      ingest: { ...defaults.ingest, flushDelayMs: 0 },
      sla: { ...defaults.sla, observeBeatS: 0.02 },
    });
    holder = postgres(db.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await holder.end({ timeout: 1 });
    await c.close();
    await drop();
  });

  /** Another session holds the node's row until `release`: an ingest commit, which updates it, waits. */
  const holdNodeRow = async (nodeId: number) => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked = false;
    const tx = holder.begin(async (t) => {
      await t`select id from nodes where id = ${nodeId} for update`;
      locked = true;
      await held;
    });
    await waitFor('the row lock', async () => locked, 60_000, 20);
    return async () => {
      release();
      await tx;
    };
  };
  const push = (token: string, seq: number) =>
    c.app.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: { authorization: `Bearer ${token}` },
      payload: reportAt([T0 + seq * S], { seqStart: seq, sentAt: T0 + seq * S }),
    });

  it('while a commit hangs on the database, beats fail; once it lands, they succeed again', async () => {
    const node = await c.register('held-node');
    const { writer, observation } = c.services;
    await observation.open();
    expect(writer.blocked(50)).toBe(false);
    // The ingest commit waits on the node's row (as one waits on a primary that is going away).
    const release = await holdNodeRow(Number(node.nodeId));
    const answer = push(node.token, 1);
    try {
      await waitFor('the commit to count as stalled', async () => writer.blocked(60), 60_000, 20);
      await expect(observation.beat()).rejects.toThrow(/not observing/);
    } finally {
      await release();
    }
    expect((await answer).statusCode).toBe(200);
    expect(writer.blocked(60)).toBe(false);
    await observation.beat();
  });

  it('after a commit fails for want of the database, until one succeeds', async () => {
    const node = await c.register('lost-db-node');
    const { writer } = c.services;
    // The commit waits on a row lock; its session is then terminated, as a primary going away does.
    const release = await holdNodeRow(Number(node.nodeId));
    const answer = push(node.token, 1);
    try {
      await waitFor(
        'the commit to wait on the lock',
        async () => {
          const rows = await c.database
            .sql`select pid from pg_stat_activity where wait_event_type = 'Lock' and query like '%insert into samples%'`;
          if (!rows.length) return false;
          await c.database.sql`select pg_terminate_backend(${rows[0]!.pid as number})`;
          return true;
        },
        60_000,
        20,
      );
      expect((await answer).statusCode).toBe(503);
    } finally {
      await release();
    }
    expect(writer.blocked(60_000)).toBe(true);
    expect((await push(node.token, 2)).statusCode).toBe(200);
    expect(writer.blocked(60_000)).toBe(false);
  });
});
