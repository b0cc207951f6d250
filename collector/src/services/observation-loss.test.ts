/**
 * A report lost for want of the database is the monitoring's silence, not the node's (issue 15): two
 * collectors on one real PostgreSQL, a hand-driven clock, the real ingest, beat and settle paths.
 *
 * Node x reports to collector A; at one report the database refuses the write (SQLSTATE 25006, as a
 * primary being demoted in a switchover does), A answers 503 and the agent backs off for 20 s, more than
 * the grace. Meanwhile collector B beats without a break (its nodes' reports all land) and A stores
 * another node's report a second after the failure. Either used to count x's silence as observed: B's
 * span covered it, and A's own span went on as soon as a commit succeeded again, so x was DOWN
 * (`missed_heartbeats`) for the time its agent waited on us. Node z really stops: it is still DOWN.
 */
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import { loadConfig } from '../config.ts';

const S = 1000;
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);

type Collector = Awaited<ReturnType<typeof testCollector>>;
interface Row {
  name: string;
  state: string;
  cause: string;
  start: number;
  end: number | null;
  evidence: Record<string, unknown>;
}

let db: Awaited<ReturnType<typeof migratedTestDatabase>>;
let sql: postgres.Sql;
const clock = new ManualClock(T0 - 10 * S);
let a: Collector;
let b: Collector;
let rows: Row[] = [];
let spans: Array<{ instance: string; start: number; end: number }> = [];
const statuses: Array<{ node: string; at: number; status: number }> = [];

beforeAll(async () => {
  db = await migratedTestDatabase('observation-loss');
  sql = db.sql;
  // While `test_read_only` has a row, every sample insert fails as on a read-only (demoting) primary.
  await sql.unsafe(`
    create table test_read_only (on_ boolean);
    create function test_read_only() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from test_read_only) then
        raise exception 'cannot execute INSERT in a read-only transaction' using errcode = '25006';
      end if;
      return new;
    end $$;
    create trigger test_read_only before insert on samples for each row execute function test_read_only();`);
  const ingest = { ...loadConfig({}).ingest, rateLimitPerNodePerMin: 100_000, flushDelayMs: 0 };
  a = await testCollector(db.url, clock, { ingest });
  b = await testCollector(db.url, clock, { ingest });
  const tokens = {
    x: (await a.register('x')).token,
    y: (await a.register('y')).token,
    z: (await a.register('z')).token,
    w: (await a.register('w')).token,
  };
  const seq: Record<string, number> = {};
  const send = async (c: Collector, node: keyof typeof tokens) => {
    const res = await c.app.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: { authorization: `Bearer ${tokens[node]}` },
      payload: reportAt([clock.now], { stream: `stream-${node}`, seqStart: (seq[node] = (seq[node] ?? 0) + 1), sentAt: clock.now }),
    });
    statuses.push({ node, at: clock.now - T0, status: res.statusCode });
  };
  await a.services.observation.open();
  await b.services.observation.open();
  for (let t = T0; t <= T0 + 150 * S; t += S) {
    clock.now = t;
    const rel = (t - T0) / S;
    // Both collectors beat every 2 s (observeBeatS); a beat refused while reports cannot be stored is skipped.
    if (rel % 2 === 0) for (const c of [a, b]) await c.services.observation.beat().catch(() => {});
    // x to A every 5 s, except while its agent backs off after the 503 at 30 s (20 s, up to 50 s).
    if (rel % 5 === 0 && (rel <= 30 || rel >= 50)) {
      if (rel === 30) await sql`insert into test_read_only values (true)`;
      await send(a, 'x');
      if (rel === 30) await sql`delete from test_read_only`;
    }
    // y to B every 5 s, all along; z to B until 20 s, then never again; w to A every 5 s from a second after the failure.
    if (rel % 5 === 2) await send(b, 'y');
    if (rel % 5 === 3 && rel <= 20) await send(b, 'z');
    if (rel % 5 === 1 && rel >= 31) await send(a, 'w');
    if (rel % 5 === 4) await a.services.settler.run(clock.now);
  }
  await a.services.settler.run(clock.now);
  const r = await sql<
    Array<{ name: string; state: string; cause: string; start_at: Date; end_at: Date | null; evidence: Record<string, unknown> }>
  >`
    select n.name, i.state, i.cause, i.start_at, i.end_at, i.evidence from state_intervals i join nodes n on n.id = i.node_id order by n.name, i.start_at`;
  rows = r.map((x) => ({
    name: x.name,
    state: x.state,
    cause: x.cause,
    start: x.start_at.getTime() - T0,
    end: x.end_at ? x.end_at.getTime() - T0 : null,
    evidence: x.evidence,
  }));
  spans = (
    await sql<Array<{ instance_id: string; started_at: Date; last_beat_at: Date }>>`
    select instance_id, started_at, last_beat_at from collector_spans`
  ).map((x) => ({
    instance: x.instance_id,
    start: x.started_at.getTime() - T0,
    end: x.last_beat_at.getTime() - T0,
  }));
}, 120_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

const of = (name: string) => rows.filter((r) => r.name === name).map(({ name: _, evidence: __, ...r }) => r);

describe('a report lost for want of the database (two collectors, real PostgreSQL)', () => {
  it('was refused, and only that one', () => {
    expect(statuses.filter((s) => s.status !== 200)).toEqual([{ node: 'x', at: 30 * S, status: 503 }]);
  });

  it('makes the time its agent waited on us UNKNOWN, never DOWN', () => {
    expect(of('x').filter((r) => r.state === 'DOWN')).toEqual([]);
    // From its last stored heartbeat (25 s) to its next (50 s), after which it is UP again.
    expect(of('x').filter((r) => r.start >= 25 * S && r.start < 50 * S && r.state !== 'UNKNOWN')).toEqual([]);
    expect(of('x').at(-1)).toMatchObject({ state: 'UP', end: null });
  });

  it("ends the other collector's span too; a node heard on both sides of the break within the grace stays UP", () => {
    expect(spans.filter((x) => x.start <= 30 * S && x.end > 30 * S)).toEqual([]);
    expect(new Set(spans.filter((x) => x.start >= 30 * S).map((x) => x.instance)).size).toBe(2);
    expect(of('y')).toEqual([{ state: 'UP', cause: 'heartbeat', start: 2 * S, end: null }]);
    expect(of('w').filter((r) => r.state === 'DOWN')).toEqual([]);
  });

  it('a node that really stopped is still DOWN, from its last heartbeat, once the restart zone after the break has passed', () => {
    const down = rows.filter((r) => r.name === 'z' && r.state === 'DOWN');
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ cause: 'missed_heartbeats', end: null, evidence: { lastHeartbeatAt: T0 + 18 * S } });
    // The new spans began at the first beats after the loss (32 s); their restart zone lasts 90 s.
    expect(down[0]!.start).toBe(122 * S);
  });
});
