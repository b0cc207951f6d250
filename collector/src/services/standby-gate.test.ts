import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import { loadConfig } from '../config.ts';
import { IngestWriter } from './ingest-writer.ts';
import { prepareReport } from './prepare.ts';
import { StandbyGate, StandbyWaitError, aloneByItsSight, standbyVerdict, type CommitSight, type ReplicationView } from './standby-gate.ts';

const QUIET = 40_000;
const view = (standbys: ReplicationView['standbys'], timeline = '00000002'): ReplicationView => ({ timeline, lsn: 1000n, standbys });

describe('standbyVerdict', () => {
  it('acknowledges once a standby has flushed past the commit, synchronous or not', () => {
    const seen = new Map<string, number>();
    expect(standbyVerdict(view([{ flush: 1000n, sync: 'sync' }]), 1000n, seen, 0, QUIET)).toEqual({ kind: 'ack', why: 'flushed' });
    expect(
      standbyVerdict(
        view([
          { flush: 900n, sync: 'async' },
          { flush: 1200n, sync: 'async' },
        ]),
        1000n,
        seen,
        0,
        QUIET,
      ),
    ).toEqual({
      kind: 'ack',
      why: 'flushed',
    });
  });

  it('a server that never had a synchronous standby on its timeline acknowledges alone', () => {
    expect(standbyVerdict(view([]), 1000n, new Map(), 0, QUIET)).toEqual({ kind: 'ack', why: 'single' });
    // A node catching up (async, behind) is not yet a standby that anything waits for.
    expect(standbyVerdict(view([{ flush: 10n, sync: 'async' }]), 1000n, new Map(), 0, QUIET)).toEqual({ kind: 'ack', why: 'single' });
  });

  it('after a synchronous standby was seen, waits for a flush until the standby has been gone for quietMs', () => {
    const seen = new Map<string, number>();
    // Synchronous and behind (the commit's flush is on its way): wait, and remember the standby.
    expect(standbyVerdict(view([{ flush: 500n, sync: 'sync' }]), 1000n, seen, 1_000, QUIET)).toEqual({ kind: 'wait' });
    // The switchover's moment: the primary no longer waits for it (async), then it stops streaming.
    expect(standbyVerdict(view([{ flush: 800n, sync: 'async' }]), 1000n, seen, 2_000, QUIET)).toEqual({ kind: 'wait' });
    expect(standbyVerdict(view([]), 1000n, seen, 1_000 + QUIET - 1, QUIET)).toEqual({ kind: 'wait' });
    expect(standbyVerdict(view([]), 1000n, seen, 1_000 + QUIET, QUIET)).toEqual({ kind: 'ack', why: 'lapsed' });
  });

  it('a promotion starts a new timeline with no standby seen', () => {
    const seen = new Map<string, number>([['00000002', 1_000]]);
    expect(standbyVerdict(view([], '00000002'), 1000n, seen, 2_000, QUIET)).toEqual({ kind: 'wait' });
    expect(standbyVerdict(view([], '00000003'), 1000n, seen, 2_000, QUIET)).toEqual({ kind: 'ack', why: 'single' });
  });

  it('positions hidden from the role cannot be checked: acknowledged', () => {
    expect(standbyVerdict(view([{ flush: null, sync: null }]), 1000n, new Map(), 0, QUIET)).toEqual({ kind: 'ack', why: 'unverifiable' });
  });
});

describe('aloneByItsSight', () => {
  it('needs no further read only for no standby on a timeline that never had a synchronous one', () => {
    const seen = new Map([['00000002', 1_000]]);
    expect(aloneByItsSight({ timeline: '00000003', standbys: 0 }, seen)).toBe(true);
    expect(aloneByItsSight({ timeline: '00000002', standbys: 0 }, seen)).toBe(false);
    expect(aloneByItsSight({ timeline: '00000003', standbys: 1 }, seen)).toBe(false);
  });
});

describe('the standby gate on a real PostgreSQL', () => {
  const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
  const clock = new ManualClock(T0);
  let c: Awaited<ReturnType<typeof testCollector>>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase('standbygate', { migrated: true });
    drop = db.drop;
    c = await testCollector(db.url, clock, { ingest: { ...loadConfig({}).ingest, flushDelayMs: 0 } });
  });
  afterAll(async () => {
    await c.close();
    await drop();
  });

  it('is on by default, and a server without standbys confirms at once', async () => {
    expect(c.services.writer.gate).toBeInstanceOf(StandbyGate);
    const gate = new StandbyGate(c.database.ingest, { quietMs: QUIET, waitMs: 1000 }, pino({ level: 'silent' }));
    const waits: string[] = [];
    gate.onWait = (o) => waits.push(o);
    await gate.confirm(); // a read of pg_stat_replication, which lists no standby
    expect(waits).toEqual([]);
  });

  it('a commit the gate does not confirm is refused; the retry finds it stored and stores nothing twice', async () => {
    const node = await c.register('gated');
    const nodeId = Number(node.nodeId);
    let refuse = true;
    const sights: CommitSight[] = [];
    const gate = {
      confirm: async (sight: CommitSight) => {
        sights.push(sight);
        if (refuse) throw new StandbyWaitError(5);
      },
    };
    const writer = new IngestWriter(
      c.database.ingest,
      { graceMs: 15_000, maxRows: 100, delayMs: 0, maxConcurrent: 1, checkRefreshMs: 60_000 },
      pino({ level: 'silent' }),
      gate,
    );
    const report = reportAt([T0 - 2000, T0 - 1000], { seqStart: 1, sentAt: T0 });
    const job = () => ({
      nodeId,
      receivedAt: T0,
      report,
      prepared: prepareReport(report, T0, [], { freshMs: 15_000, maxFutureMs: 600_000, maxAgeMs: 86_400_000 }),
    });
    await expect(writer.write(job())).rejects.toBeInstanceOf(StandbyWaitError);
    // Refused, and the database says it cannot be trusted with reports until a commit is confirmed.
    expect(writer.blocked(60_000)).toBe(true);
    const count = async () => Number((await c.database.sql`select count(*)::int as n from samples where node_id = ${nodeId}`)[0]!.n);
    expect(await count()).toBe(2);
    refuse = false;
    expect(await writer.write(job())).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(writer.blocked(60_000)).toBe(false);
    expect(await count()).toBe(2);
    // What the statement saw of replication on this single server: its timeline, no standby.
    expect(sights).toHaveLength(2);
    expect(sights[0]).toEqual({ timeline: expect.stringMatching(/^[0-9A-F]{8}$/), standbys: 0 });
  });
});
