/**
 * Two collector processes on one PostgreSQL: both ingest; the periodic jobs that must run once (settle,
 * rollups, retention) never run at the same time in both (advisory locks; shown by the job-run log,
 * written while the lock is held); `kill -9` of one collector loses nothing it acknowledged: the
 * pushers fail over to the other, and every acknowledged sample is counted in the database.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/pg.ts';
import { registerNode, startCollectorProcess, stop, waitFor, type Proc } from './support/processes.ts';
import { pushWithFailover, sampleReport } from './support/push.ts';

const NODES = 12;
const env = {
  TIMMY_HEARTBEAT_INTERVAL_S: '1',
  TIMMY_RESTART_GRACE_S: '2',
  TIMMY_ROLLUP_EVERY_S: '0.5',
  TIMMY_RETENTION_EVERY_S: '0.5',
  LOG_LEVEL: 'info',
};
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let a: Proc & { url: string };
let b: Proc & { url: string };
let sql: postgres.Sql;

beforeAll(async () => {
  db = await createTestDatabase('two_collectors');
  // Started together: migrations run once under their advisory lock.
  [a, b] = await Promise.all([startCollectorProcess(db.url, env), startCollectorProcess(db.url, env)]);
  sql = postgres(db.url, { max: 2, onnotice: () => {} });
}, 90_000);

afterAll(async () => {
  await sql?.end();
  for (const p of [a, b]) if (p) await stop(p, 'SIGKILL');
  await db?.drop();
});

describe('two collectors on one PostgreSQL', () => {
  it('both ingest, jobs run one at a time, and kill -9 of one loses nothing acknowledged', async () => {
    const urls = [a.url, b.url];
    const tokens = await Promise.all(Array.from({ length: NODES }, (_, i) => registerNode(urls[i % 2]!, `two-${i}`)));
    const acked: Array<{ node: number; seq: number; via: string }> = [];
    // The pushers run until the test has seen what it needs (conditions, not a fixed time).
    let stopAt = Infinity;
    let killed = false;
    // Each node pushes one sample a second, half of them to each collector, failing over when one is gone.
    const pushers = tokens.map(async (token, node) => {
      for (let seq = 1; Date.now() < stopAt; seq++) {
        const report = sampleReport(`two-stream-${node}`, [seq], Date.now());
        const via = await pushWithFailover(urls, node % 2, token, report, Date.now() + 20_000);
        if (via) acked.push({ node, seq, via });
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
    // Both collectors have acknowledged pushes before the kill (a condition: a busy machine may take seconds).
    await waitFor(
      'acknowledgements from both collectors',
      async () => acked.some((x) => x.via === a.url) && acked.some((x) => x.via === b.url),
    );
    const beforeKill = { a: acked.filter((x) => x.via === a.url).length, b: acked.filter((x) => x.via === b.url).length };
    a.child.kill('SIGKILL');
    killed = true;
    const killedAt = acked.length;
    await waitFor(
      'every node acknowledged by the survivor after the kill',
      async () =>
        acked.length > NODES * 6 && tokens.every((_, node) => acked.slice(killedAt).some((x) => x.node === node && x.via === b.url)),
      60_000,
    );
    stopAt = 0;
    await Promise.all(pushers);
    expect(killed).toBe(true);

    // Both collectors ingested before the kill; the survivor took everything after it.
    expect(beforeKill.a).toBeGreaterThan(0);
    expect(beforeKill.b).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(NODES * 6);

    // Every acknowledged sample is stored, once.
    const rows = await sql`
      select s.stream, s.seq::int as seq, count(*)::int as n from samples s
      join nodes n on n.id = s.node_id where n.name like 'two-%' group by s.stream, s.seq`;
    const stored = new Map(rows.map((r) => [`${r.stream}/${r.seq}`, r.n as number]));
    const missing = acked.filter((x) => !stored.has(`two-stream-${x.node}/${x.seq}`));
    expect(missing).toEqual([]);
    expect([...stored.values()].every((n) => n === 1)).toBe(true);

    // The jobs ran and no two runs of one job overlapped, whichever collector ran them. (Rollup rows
    // appear only once an hour is complete: the job's runs are the evidence here, its results are
    // collector/src/jobs/rollup.test.ts's.)
    const runs = await waitFor('a finished run of every job', async () => {
      const r = await sql`select job, instance_id, started_at, finished_at from job_runs order by job, started_at`;
      return ['settle', 'rollup', 'retention'].every((job) => r.some((x) => x.job === job)) ? r : undefined;
    });
    for (const job of ['settle', 'rollup', 'retention']) {
      const jr = runs.filter((r) => r.job === job);
      expect(jr.length, `${job} runs`).toBeGreaterThan(0);
      for (let i = 1; i < jr.length; i++)
        expect((jr[i]!.started_at as Date).getTime(), `${job} run ${i} overlaps the previous one`).toBeGreaterThanOrEqual(
          (jr[i - 1]!.finished_at as Date).getTime(),
        );
    }
  }, 120_000);
});
