/**
 * One node's bad input never hurts another: a report holding what PostgreSQL cannot store (a NUL byte,
 * a lone surrogate, a number beyond its column type) is refused alone, with a 4xx naming the field,
 * and the reports sharing its group commit are stored and acknowledged.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Report } from '@timmy/shared';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import { loadConfig } from '../config.ts';
import { prepareReport } from '../services/prepare.ts';
import { UnstorableReportError, type IngestJob } from '../services/ingest-writer.ts';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const clock = new ManualClock(T0);
let c: Awaited<ReturnType<typeof testCollector>>;
let drop: () => Promise<void>;
const nodes: Record<'a' | 'b', { token: string; nodeId: number }> = {} as never;
let seq = 1;

beforeAll(async () => {
  const db = await createTestDatabase('poison', { migrated: true });
  drop = db.drop;
  // A long flush delay: reports sent together share one group commit.
  c = await testCollector(db.url, clock, { ingest: { ...loadConfig({}).ingest, flushDelayMs: 50 } });
  await c.services.observation.open();
  for (const n of ['a', 'b'] as const) {
    const r = await c.register(`poison-${n}`);
    nodes[n] = { token: r.token, nodeId: Number(r.nodeId) };
  }
});
afterAll(async () => {
  await c.close();
  await drop();
});

const post = (token: string, body: unknown) =>
  c.app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
const stored = async (nodeId: number, s: number) =>
  (await c.database.sql`select 1 from samples where node_id = ${nodeId} and seq = ${s}`).length === 1;
const count = async (nodeId: number) =>
  Number((await c.database.sql`select count(*)::int as n from samples where node_id = ${nodeId}`)[0]!.n);
const fresh = () => reportAt([clock.now], { seqStart: seq++ });

type Poison = [field: string, poison: (r: Report) => void, path: string];
const POISONS: Poison[] = [
  [
    'a NUL in a check message',
    (r) => (r.samples[0]!.checks![0]!.message = 'tail of a file\u0000with a NUL'),
    '/samples/0/checks/0/message',
  ],
  ['a lone surrogate in a check message', (r) => (r.samples[0]!.checks![0]!.message = 'cut \ud800 pair'), '/samples/0/checks/0/message'],
  ['a lone low surrogate in a check message', (r) => (r.samples[0]!.checks![0]!.message = 'x\udc00'), '/samples/0/checks/0/message'],
  ['a NUL in agentVersion', (r) => (r.agentVersion = '1.0\u0000'), '/agentVersion'],
  ['a NUL in bootId', (r) => (r.samples[0]!.heartbeat = { ...r.samples[0]!.heartbeat, bootId: 'b\u0000' }), '/samples/0/heartbeat/bootId'],
  ['a NUL in inventory.hostname', (r) => (r.inventory = { hostname: 'host\u0000' }), '/inventory/hostname'],
  ['a lone surrogate in inventory.os', (r) => (r.inventory = { hostname: 'h', os: '\ud83d' }), '/inventory/os'],
  ['a NUL in a string check value', (r) => (r.samples[0]!.checks![0]!.values = { file: 'a\u0000b' }), '/samples/0/checks/0/values/file'],
  [
    'a NUL in a disk mount',
    (r) => (r.samples[0]!.disks = [{ mount: '/\u0000', totalBytes: 1, freeBytes: 1, usedPct: 1 }]),
    '/samples/0/disks/0/mount',
  ],
  ['seq 1e19 (beyond bigint)', (r) => (r.samples[0]!.seq = 1e19), '/samples/0/seq'],
  ['seq 2^53 (not exact in JSON)', (r) => (r.samples[0]!.seq = 2 ** 53), '/samples/0/seq'],
  [
    'agentRssBytes 3e12 (beyond integer KiB)',
    (r) => (r.samples[0]!.heartbeat = { ...r.samples[0]!.heartbeat, agentRssBytes: 3e12 }),
    '/samples/0/heartbeat/agentRssBytes',
  ],
  [
    'load1 1e300 (beyond real)',
    (r) =>
      (r.samples[0]!.checks = [
        { name: 'system', probe: 'system', status: 'ok', message: 'load', slaCritical: false, values: { load1: 1e300 } },
      ]),
    '/samples/0/checks/0/values/load1',
  ],
  [
    'usedPct 1e39 (beyond real)',
    (r) =>
      (r.samples[0]!.checks = [
        { name: 'disk:/', probe: 'disk', status: 'ok', message: 'disk', slaCritical: false, values: { usedPct: 1e39 } },
      ]),
    '/samples/0/checks/0/values/usedPct',
  ],
  [
    'usedPct -1e39 (beyond real)',
    (r) =>
      (r.samples[0]!.checks = [
        { name: 'disk:/', probe: 'disk', status: 'ok', message: 'disk', slaCritical: false, values: { usedPct: -1e39 } },
      ]),
    '/samples/0/checks/0/values/usedPct',
  ],
];

describe('a poison report', () => {
  it.each(POISONS)(
    "with %s is refused with 400 naming the field; the other node's report in the same commit is stored",
    async (_what, poison, path) => {
      const good = fresh();
      const bad = fresh();
      poison(bad);
      const before = await count(nodes.b.nodeId);
      const [a, b] = await Promise.all([post(nodes.a.token, good), post(nodes.b.token, bad)]);
      expect(a.statusCode, a.body).toBe(200);
      expect(a.json()).toMatchObject({ accepted: 1, duplicates: 0 });
      expect(await stored(nodes.a.nodeId, good.samples[0]!.seq)).toBe(true);
      expect(b.statusCode, b.body).toBe(400);
      expect(b.json()).toMatchObject({ code: 'FLEET_BAD_REQUEST', error: 'Bad Request' });
      expect(b.json().message).toContain(`body${path}`);
      expect(await count(nodes.b.nodeId)).toBe(before);
    },
  );

  it('says what the text rule is rather than naming a format', async () => {
    const bad = fresh();
    bad.samples[0]!.checks![0]!.message = 'a\u0000';
    const res = await post(nodes.b.token, bad);
    expect(res.json().message).toBe('body/samples/0/checks/0/message must not contain a NUL byte or a lone surrogate');
  });

  it('a number PostgreSQL real cannot hold at the small end (1e-50) is stored as what real can hold', async () => {
    const r = fresh();
    r.samples[0]!.checks = [
      { name: 'system', probe: 'system', status: 'ok', message: 'load', slaCritical: false, values: { load1: 1e-50, memUsedPct: -1e-46 } },
    ];
    const res = await post(nodes.a.token, r);
    expect(res.statusCode, res.body).toBe(200);
    const [row] = await c.database.sql`select load1, mem_pct from samples where node_id = ${nodes.a.nodeId} and seq = ${r.samples[0]!.seq}`;
    expect([row!.load1, row!.mem_pct]).toEqual([0, 0]);
  });
});

describe('the group commit when the database still refuses a report', () => {
  // Past the schema (the writer is called directly): what the database alone decides.
  const job = (node: 'a' | 'b', agentVersion: string): IngestJob => {
    const report = { ...fresh(), agentVersion };
    return {
      nodeId: nodes[node].nodeId,
      receivedAt: clock.now,
      report,
      prepared: prepareReport(report, clock.now, [], { freshMs: 10_000, maxFutureMs: 600_000, maxAgeMs: 48 * 3_600_000 }),
    };
  };

  it('splits the batch: only the guilty report fails, as unstorable, and the others are committed', async () => {
    const flushes: number[] = [];
    const before = c.services.writer.onFlush;
    c.services.writer.onFlush = (rows, ms) => {
      flushes.push(rows);
      before(rows, ms);
    };
    try {
      const jobs = [job('a', '1.0'), job('b', 'bad\u0000'), job('a', '1.0'), job('a', '1.0'), job('a', '1.0')];
      const results = await Promise.allSettled(jobs.map((j) => c.services.writer.write(j)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(UnstorableReportError);
      for (const j of [jobs[0]!, jobs[2]!, jobs[3]!, jobs[4]!]) expect(await stored(j.nodeId, j.report.samples[0]!.seq)).toBe(true);
      expect(await stored(nodes.b.nodeId, jobs[1]!.report.samples[0]!.seq)).toBe(false);
      await vi.waitFor(() => expect(flushes).toEqual([5])); // one group commit held all five
    } finally {
      c.services.writer.onFlush = before;
    }
  });

  it('answers the guilty report 422 FLEET_UNSTORABLE (deterministic: never 503)', async () => {
    const report = fresh();
    // Only through the ingest service: the route's schema would refuse it first.
    const err = await c.services.ingest
      .ingest({ nodeId: nodes.b.nodeId } as never, { ...report, agentVersion: 'x\u0000' }, clock.now)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 422, code: 'FLEET_UNSTORABLE' });
  });
});
