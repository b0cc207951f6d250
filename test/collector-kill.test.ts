/**
 * `kill -9` the collector during a 10,000-sample push, restart it: every sample the pusher saw
 * acknowledged is in PostgreSQL exactly once, and after the pusher resends what was not acknowledged
 * (same seqs, as the agent's buffer does), all 10,000 are there, once each.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/pg.ts';
import { registerNode, startCollectorProcess, stop, type Proc } from './support/processes.ts';
import { postReport, sampleReport } from './support/push.ts';

const TOTAL = 10_000;
const PER_REPORT = 100;
const STREAM = 'killstream01';
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let collector: Proc & { url: string };
let sql: postgres.Sql;

beforeAll(async () => {
  db = await createTestDatabase('collector_kill', { migrated: true });
  collector = await startCollectorProcess(db.url);
  sql = postgres(db.url, { max: 2, onnotice: () => {} });
}, 90_000);

afterAll(async () => {
  await sql?.end();
  if (collector) await stop(collector, 'SIGKILL');
  await db?.drop();
});

const storedCounts = async () => {
  const [r] = await sql`select count(*)::int as n, count(distinct seq)::int as d from samples where stream = ${STREAM}`;
  return { n: r!.n as number, distinct: r!.d as number };
};

describe('kill -9 of the collector during a 10k-sample push', () => {
  it('keeps every acknowledged sample exactly once, and the resend completes the set', async () => {
    const token = await registerNode(collector.url, 'kill-node');
    const now = Date.now();
    // Buffered samples (taken over the last ~14 h, 5 s apart) pushed in reports of 100, four at a time.
    const reports = Array.from({ length: TOTAL / PER_REPORT }, (_, k) => {
      const seqs = Array.from({ length: PER_REPORT }, (_, i) => k * PER_REPORT + i + 1);
      return sampleReport(STREAM, seqs, now, (seq) => now - (TOTAL - seq) * 5000);
    });
    const acked = new Set<number>();
    let next = 0;
    let killAfter = 30 + Math.floor(Math.random() * 30); // acknowledged reports before the kill
    const url = collector.url;
    const worker = async () => {
      while (next < reports.length) {
        const k = next++;
        try {
          if (await postReport(url, token, { ...reports[k]!, sentAt: Date.now() })) {
            acked.add(k);
            if (--killAfter === 0) collector.child.kill('SIGKILL');
          }
        } catch {
          // the collector is gone: this report stays unacknowledged
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(acked.size).toBeGreaterThan(0);
    expect(acked.size).toBeLessThan(reports.length);

    // Restart on the same database (the killed one's embedded server is not involved: DATABASE_URL).
    await stop(collector, 'SIGKILL');
    collector = await startCollectorProcess(db.url);

    const after = await storedCounts();
    expect(after.n).toBe(after.distinct); // nothing twice
    const [rows] = await sql`select array_agg(seq::int) as seqs from samples where stream = ${STREAM}`;
    const have = new Set<number>((rows!.seqs as number[] | null) ?? []);
    const missing = [...acked].flatMap((k) => reports[k]!.samples.map((s) => s.seq)).filter((s) => !have.has(s));
    expect(missing).toEqual([]);

    // The pusher resends everything not acknowledged (some of it may have been committed before the kill).
    for (let k = 0; k < reports.length; k++) {
      if (acked.has(k)) continue;
      expect(await postReport(collector.url, token, { ...reports[k]!, sentAt: Date.now() })).toBe(true);
    }
    expect(await storedCounts()).toEqual({ n: TOTAL, distinct: TOTAL });
  }, 120_000);
});
