import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { migrateDatabase, openDatabase, type Database } from '../db/database.ts';
import { createChannels } from './channels/registry.ts';
import { startReceiver, sampleNotification, type Receiver } from './channels/testing.ts';
import { runDispatcher } from './dispatcher.ts';
import { alertMetrics } from './metrics.ts';
import {
  DEFAULT_RETRY_POLICY,
  LEASE_MARGIN_MS,
  Outbox,
  afterAttempt,
  idempotencyKey,
  leaseFor,
  type EnqueueItem,
  type RetryPolicy,
} from './outbox.ts';
import { waitFor } from '../../../test/support/processes.ts';
import type { Notification, NotificationTransition } from './channels/channel.ts';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);
const P: RetryPolicy = { baseMs: 2 * S, capMs: 10 * MIN, maxAgeMs: 12 * 60 * MIN, leaseMs: MIN };

describe('attempt outcome (pure)', () => {
  const row = { attempts: 2, createdAt: T0 };
  it.each([
    { name: '2xx -> sent', result: { ok: true as const, status: 200 }, now: T0, want: { status: 'sent', lastStatus: 200 } },
    { name: 'skipped', result: { ok: true as const, skipped: true }, now: T0, want: { status: 'skipped', lastStatus: null } },
    {
      name: '500 -> pending later',
      result: { ok: false as const, retryable: true, status: 500, error: 'HTTP 500' },
      now: T0 + MIN,
      want: { status: 'pending', nextAttemptAt: T0 + MIN + 2 * S, lastStatus: 500 },
    },
    {
      name: '400 -> dead',
      result: { ok: false as const, retryable: false, status: 400, error: 'HTTP 400' },
      now: T0,
      want: { status: 'dead', lastStatus: 400 },
    },
    {
      name: 'retrying past maxAge -> dead',
      result: { ok: false as const, retryable: true, status: 503, error: 'HTTP 503' },
      now: T0 + 12 * 60 * MIN,
      want: { status: 'dead', lastStatus: 503 },
    },
  ])('$name', ({ result, now, want }) => {
    expect(afterAttempt(row, result, now, P, () => 0)).toMatchObject(want);
  });

  it('keys are per (incident, transition, channel)', () => {
    expect(idempotencyKey('inc-1', 7, 'slack')).toBe('inc-1/7/slack');
    expect(idempotencyKey('inc-1', 'opened', 'slack')).not.toBe(idempotencyKey('inc-1', 'opened', 'pd'));
  });
});

// ---------------------------------------------------------------------------------------------

let dbUrl: string;
let drop: () => Promise<void>;
const opened: Database[] = [];
function connect(): Database {
  const d = openDatabase(dbUrl, { max: 4 });
  opened.push(d);
  return d;
}

beforeAll(async () => {
  const t = await createTestDatabase('alerts_outbox', { migrated: true });
  dbUrl = t.url;
  drop = t.drop;
  await migrateDatabase(dbUrl);
});
afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
  await drop?.();
});

async function reset(db: Database) {
  await db.sql`truncate alert_notifications`;
}

function item(incidentId: string, transition: NotificationTransition, channel: string, over: Partial<Notification> = {}): EnqueueItem {
  const { idempotencyKey: _k, ...n } = sampleNotification({ incidentId, transition, ...over });
  return { incidentId, transitionId: transition, channel, notification: n };
}

/** A receiver that records (key, status answered) and answers `status()` each time. */
async function recordingReceiver(status: () => number, delayMs = 0) {
  const answered: Array<{ key: string; path: string; status: number; transition: string }> = [];
  const rx: Receiver = await startReceiver((q, res) => {
    const st = status();
    answered.push({
      key: String(q.headers['idempotency-key']),
      path: q.path,
      status: st,
      transition: (q.body as any)?.commonAnnotations?.transition,
    });
    setTimeout(() => {
      res.writeHead(st);
      res.end();
    }, delayMs);
  });
  return { rx, answered };
}

/** Run dispatch rounds, jumping simulated time to the next due row, until nothing is left. */
async function drain(
  db: Database,
  outbox: Outbox,
  channels: ReturnType<typeof createChannels>,
  start: number,
  onTime: (now: number) => void = () => {},
  maxRounds = 500,
) {
  let now = start;
  for (let i = 0; i < maxRounds; i++) {
    onTime(now);
    await runDispatcher({ sql: db.sql, channels, now, outbox });
    const due = await outbox.nextDueAt();
    if (due === null) return now;
    now = Math.max(now + 1, due);
  }
  throw new Error('outbox did not drain');
}

describe('outbox on PostgreSQL', () => {
  it('enqueueing the same (incident, transition, channel) twice stores one row', async () => {
    const db = connect();
    await reset(db);
    const ob = new Outbox(db.sql, { workerId: 'w1', policy: P });
    expect(await ob.enqueue([item('i1', 'opened', 'a'), item('i1', 'opened', 'b')], T0)).toBe(2);
    expect(await ob.enqueue([item('i1', 'opened', 'a'), item('i1', 'resolved', 'a')], T0)).toBe(1);
    expect((await ob.counts(T0)).pending).toBe(3);
  });

  it('a receiver answering 500 for 5 minutes still ends in exactly one delivery per key, resolved after opened', async () => {
    const db = connect();
    await reset(db);
    let now = T0;
    const { rx, answered } = await recordingReceiver(() => (now < T0 + 5 * MIN ? 500 : 200));
    try {
      const channels = createChannels([
        { type: 'webhook', name: 'a', url: `${rx.url}/a` },
        { type: 'webhook', name: 'b', url: `${rx.url}/b` },
      ]);
      const registry = new Registry();
      const metrics = alertMetrics(registry);
      const ob = new Outbox(db.sql, { workerId: 'w1', policy: P, rand: () => 0.5 });
      await ob.enqueue([item('i1', 'opened', 'a'), item('i1', 'opened', 'b'), item('i2', 'opened', 'a')], T0);
      // the incident resolves while deliveries are still failing
      await ob.enqueue(
        [item('i1', 'resolved', 'a', { resolvedAt: T0 + 30 * S }), item('i1', 'resolved', 'b', { resolvedAt: T0 + 30 * S })],
        T0 + 30 * S,
      );
      for (let i = 0; i < 500; i++) {
        const r = await runDispatcher({ sql: db.sql, channels, now, outbox: ob, metrics });
        expect(r.dead).toBe(0);
        const due = await ob.nextDueAt();
        if (due === null) break;
        now = Math.max(now + 1, due);
      }
      const ok = answered.filter((a) => a.status === 200);
      const keys = ok.map((a) => a.key).sort();
      expect(keys).toEqual(['i1/opened/a', 'i1/opened/b', 'i1/resolved/a', 'i1/resolved/b', 'i2/opened/a'].sort());
      expect(answered.filter((a) => a.status === 500).length).toBeGreaterThan(5);
      // per channel, resolved was never attempted before opened was delivered
      for (const ch of ['a', 'b']) {
        const seq = answered.filter((a) => a.key.startsWith('i1/') && a.key.endsWith(`/${ch}`));
        const firstResolved = seq.findIndex((a) => a.transition === 'resolved');
        const openedOk = seq.findIndex((a) => a.transition === 'opened' && a.status === 200);
        expect(openedOk).toBeGreaterThanOrEqual(0);
        expect(firstResolved).toBeGreaterThan(openedOk);
      }
      const c = await ob.counts(now);
      expect(c).toMatchObject({ pending: 0, sending: 0, sent: 5, dead: 0 });
      const text = await registry.metrics();
      expect(text).toMatch(/timmy_alert_notifications_sent_total\{channel="a"\} 3/);
      expect(text).toMatch(/timmy_alert_notifications_retried_total\{channel="a"\} [1-9]/);
      expect(text).not.toContain(rx.url);
    } finally {
      await rx.close();
    }
  });

  it('two dispatchers on one database deliver each notification once', async () => {
    const d1 = connect();
    const d2 = connect();
    await reset(d1);
    const { rx, answered } = await recordingReceiver(() => 200, 15);
    try {
      const channels = createChannels([{ type: 'webhook', name: 'a', url: rx.url }]);
      const o1 = new Outbox(d1.sql, { workerId: 'w1', policy: P });
      const o2 = new Outbox(d2.sql, { workerId: 'w2', policy: P });
      const items = Array.from({ length: 60 }, (_, i) => item(`inc-${i}`, 'opened', 'a'));
      await o1.enqueue(items, T0);
      let rounds = 0;
      const worker = async (o: Outbox, d: Database) => {
        for (let i = 0; i < 50; i++) {
          rounds++;
          const r = await runDispatcher({ sql: d.sql, channels, now: T0, outbox: o, limit: 7 });
          if (r.claimed === 0 && (await o.nextDueAt()) === null) return;
        }
      };
      await Promise.all([worker(o1, d1), worker(o2, d2), worker(o1, d1), worker(o2, d2)]);
      const keys = answered.map((a) => a.key);
      expect(keys).toHaveLength(60);
      expect(new Set(keys).size).toBe(60);
      const byWorker = await d1.sql`select count(*)::int as n from alert_notifications where status = 'sent'`;
      expect(byWorker[0]!.n).toBe(60);
      expect(rounds).toBeGreaterThan(2);
    } finally {
      await rx.close();
    }
  });

  it('a dispatcher killed mid-send: the row is taken over after the lease, delivered once', async () => {
    const db = connect();
    await reset(db);
    const { rx, answered } = await recordingReceiver(() => 200);
    try {
      const channels = createChannels([{ type: 'webhook', name: 'a', url: rx.url }]);
      const dead = new Outbox(db.sql, { workerId: 'killed', policy: P });
      const alive = new Outbox(db.sql, { workerId: 'alive', policy: P });
      await dead.enqueue([item('i9', 'opened', 'a'), item('i9', 'resolved', 'a')], T0);
      const claimed = await dead.claim(T0);
      expect(claimed.map((c) => c.idempotencyKey)).toEqual(['i9/opened/a']); // resolved waits for opened
      // ... and the process dies here: no complete().
      expect((await runDispatcher({ sql: db.sql, channels, now: T0 + 30 * S, outbox: alive })).claimed).toBe(0);
      await drain(db, alive, channels, T0 + P.leaseMs);
      expect(answered.map((a) => a.key)).toEqual(['i9/opened/a', 'i9/resolved/a']);
    } finally {
      await rx.close();
    }
  });

  it('a send slower than the configured lease keeps its claim: the other dispatcher does not send it again', async () => {
    // Two collectors with a 3 s lease (the end-to-end tests' config) and a receiver that takes longer to
    // answer (a loaded machine): the second dispatcher used to take the row over mid-send and deliver it
    // a second time. The claim now lasts the channel's timeout (10 s) plus the margin.
    const db = connect();
    await reset(db);
    const held: Array<() => void> = [];
    const rx = await startReceiver((_q, res) => held.push(() => res.headersSent || res.writeHead(200).end()));
    try {
      const channels = createChannels([{ type: 'webhook', name: 'a', url: rx.url }]);
      const short = { ...P, leaseMs: 3 * S };
      const o1 = new Outbox(db.sql, { workerId: 'slow', policy: short });
      const o2 = new Outbox(db.sql, { workerId: 'other', policy: short });
      await o1.enqueue([item('i7', 'opened', 'a')], T0);
      const first = runDispatcher({ sql: db.sql, channels, now: T0, outbox: o1 });
      await waitFor('the receiver holding the request', async () => held.length === 1, 10_000, 20);
      const second = await runDispatcher({ sql: db.sql, channels, now: T0 + short.leaseMs + 1, outbox: o2 });
      expect(second.claimed).toBe(0);
      held[0]!();
      expect(await first).toMatchObject({ claimed: 1, sent: 1, lost: 0 });
      expect(rx.requests).toHaveLength(1);
      // Past the longer lease, a row whose sender died is still taken over.
      await o1.enqueue([item('i8', 'opened', 'a')], T0);
      expect(await o1.claim(T0)).toHaveLength(1);
      const late =
        T0 +
        leaseFor(
          short,
          [...channels.values()].map((c) => c.timeoutMs),
        );
      expect(late - T0).toBe(10 * S + LEASE_MARGIN_MS);
      const takeover = runDispatcher({ sql: db.sql, channels, now: late, outbox: o2 });
      await waitFor('the takeover request', async () => held.length === 2, 10_000, 20);
      held[1]!();
      expect(await takeover).toMatchObject({ claimed: 1, sent: 1 });
    } finally {
      for (const h of held) h();
      await rx.close();
    }
  });

  it('only the holder of a claim records its outcome: a sender whose lease ran out writes nothing', async () => {
    const db = connect();
    await reset(db);
    const o1 = new Outbox(db.sql, { workerId: 'w1', policy: P });
    const o2 = new Outbox(db.sql, { workerId: 'w2', policy: P });
    await o1.enqueue([item('i5', 'opened', 'a')], T0);
    const [mine] = await o1.claim(T0);
    const [theirs] = await o2.claim(T0 + P.leaseMs); // o1's lease ran out (a stalled process)
    expect(theirs!.attempts).toBe(2);
    // o1 finally hears back (a 500: "retry later") and would have set the row back to pending under o2.
    expect(await o1.complete(mine!, { ok: false, retryable: true, status: 500, error: 'HTTP 500' }, T0 + P.leaseMs + 1)).toBeNull();
    const [row] = await db.sql`select status, claimed_by as "claimedBy" from alert_notifications`;
    expect(row).toEqual({ status: 'sending', claimedBy: 'w2' });
    expect(await o2.complete(theirs!, { ok: true, status: 200 }, T0 + P.leaseMs + 2)).toMatchObject({ status: 'sent' });
  });

  it('a permanent failure (400) or an unknown channel is dead after one attempt; later rows still go', async () => {
    const db = connect();
    await reset(db);
    const { rx, answered } = await recordingReceiver(() => (answered.length === 0 ? 400 : 200));
    try {
      const channels = createChannels([{ type: 'webhook', name: 'a', url: rx.url }]);
      const ob = new Outbox(db.sql, { workerId: 'w', policy: P });
      await ob.enqueue([item('i1', 'opened', 'a'), item('i1', 'resolved', 'a'), item('i1', 'opened', 'gone')], T0);
      await drain(db, ob, channels, T0);
      expect(answered.map((a) => `${a.key}:${a.status}`)).toEqual(['i1/opened/a:400', 'i1/resolved/a:200']);
      const rows = await db.sql`select idempotency_key, status, attempts, last_error from alert_notifications order by id`;
      expect(rows.map((r) => [r.idempotency_key, r.status, r.attempts, r.last_error])).toEqual([
        ['i1/opened/a', 'dead', 1, 'HTTP 400'],
        ['i1/resolved/a', 'sent', 1, null],
        ['i1/opened/gone', 'dead', 1, 'unknown channel'],
      ]);
    } finally {
      await rx.close();
    }
  });

  it('gives up after maxAge of retrying', async () => {
    const db = connect();
    await reset(db);
    const { rx, answered } = await recordingReceiver(() => 503);
    try {
      const channels = createChannels([{ type: 'webhook', name: 'a', url: rx.url }]);
      const ob = new Outbox(db.sql, { workerId: 'w', policy: { ...P, maxAgeMs: 30 * MIN } });
      await ob.enqueue([item('i1', 'opened', 'a')], T0);
      await drain(db, ob, channels, T0);
      expect(answered.length).toBeGreaterThan(3);
      expect(await ob.counts(T0 + 60 * MIN)).toMatchObject({ dead: 1, pending: 0 });
    } finally {
      await rx.close();
    }
  });

  it('default policy retries for hours', () => {
    expect(DEFAULT_RETRY_POLICY.maxAgeMs).toBeGreaterThanOrEqual(3 * 3600 * S);
  });
});
