/**
 * The settle job: turns new evidence into stored state intervals. It runs under an advisory lock (once
 * across collectors) and only for nodes that need it: new evidence (`recompute_from`) or a state that
 * changes by itself with time (`state_check_at`: a grace period or a restart zone running out).
 * The decision itself is the pure `deriveTimeline`.
 *
 * Nodes are settled in batches (a handful of statements per batch, whatever its size) and without row
 * locks while reading: the final update of each node is conditional on its last heartbeat being the one
 * that was read (optimistic concurrency). A node whose heartbeat moved meanwhile keeps its flags and is
 * settled on the next run, so ingest never waits for the settle job.
 */
import type postgres from 'postgres';
import { deriveTimeline } from '../sla/timeline.ts';
import type { Interval, Point, Span } from '../sla/types.ts';
import { LOCKS, withTryLock } from '../db/database.ts';
import type { nodes, samples, stateIntervals } from '../db/schema/index.ts';
import type { ObservationRecorder } from './observation.ts';

export interface SettleOptions {
  graceMs: number;
  restartGraceMs: number;
  /** How far back recomputation may reach (raw samples exist only this long). */
  maxLookbackMs: number;
  batch: number;
}

/** A stored sample's POINT_COLUMNS as postgres.js reads them (int8 `seq` as an exact string). */
type SampleRow = Pick<typeof samples.$inferSelect, 'at' | 'live' | 'ok' | 'stream' | 'ts'> & {
  detail: { failing?: string[] } | null;
  seq: string;
  lag_ms: number | null;
  uptime_s: number | null;
};
/** A sample of a node (`id`: the node's id, int8 read as a string). */
type NodeSampleRow = SampleRow & { id: string };

/** The sample columns a point is made of (toPoint). */
const POINT_COLUMNS = ['at', 'live', 'ok', 'detail', 'stream', 'seq', 'ts', 'lag_ms', 'uptime_s'];

interface StoredInterval {
  id: number;
  state: string;
  cause: string;
  evidence: Record<string, unknown>;
  start: number;
  end: number | null;
}

type NodeRow = Pick<typeof nodes.$inferSelect, 'id' | 'recomputeFrom' | 'stateSince' | 'lastHbAt' | 'lastOk' | 'failing'>;
/** A node due for settling as read (int8 as an exact string). */
type DueRow = Omit<NodeRow, 'id'> & { id: string };
/** The stored interval just before a node's `from` (`node`, `id`: int8 as exact strings). */
type BeforeRow = Pick<typeof stateIntervals.$inferSelect, 'state' | 'cause' | 'startAt' | 'endAt'> & {
  node: string;
  id: string;
  evidence: Record<string, unknown>;
};

const ms = (d: Date | null | undefined) => (d ? d.getTime() : null);
const iso = (t: number) => new Date(t).toISOString();

/** A stored sample as the SLA core sees it, with the agent's own record (stream, seq, boot) as evidence. */
export function toPoint(r: SampleRow): Point {
  const at = r.at.getTime();
  const sampledAt = r.live && r.lag_ms !== null ? at - r.lag_ms : at;
  return {
    at,
    live: r.live,
    ok: r.ok,
    ...(r.detail?.failing?.length ? { failing: r.detail.failing } : {}),
    ...(sampledAt < at ? { sampledAt } : {}),
    agent: { stream: r.stream, seq: Number(r.seq), ts: r.ts.getTime(), ...(r.uptime_s !== null ? { uptimeMs: r.uptime_s * 1000 } : {}) },
  };
}

function sameEvidence(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return a.lastHeartbeatAt === b.lastHeartbeatAt && JSON.stringify(a.failing ?? null) === JSON.stringify(b.failing ?? null);
}

/** What one node's settlement writes: all decided in memory, then applied in bulk. */
interface Plan {
  node: NodeRow;
  from: number;
  intervals: Interval[];
  nextCheckAt: number | null;
  deleteId: number | null;
  trim: { id: number; end: number } | null;
}

/** The stored interval just before `from` merges into the first new one when they say the same thing. */
export function planWrites(
  node: NodeRow,
  from: number,
  intervals: Interval[],
  before: StoredInterval | null,
  nextCheckAt: number | null,
): Plan {
  const plan: Plan = { node, from, intervals: intervals.map((i) => ({ ...i })), nextCheckAt, deleteId: null, trim: null };
  const first = plan.intervals[0];
  if (!before || (before.end !== null && before.end < from)) return plan;
  if (first && before.state === first.state && before.cause === first.cause && sameEvidence(before.evidence, first.evidence)) {
    plan.deleteId = before.id;
    first.start = before.start;
    first.evidence = before.evidence;
  } else if (before.end === null || before.end > from) {
    plan.trim = { id: before.id, end: from };
  }
  return plan;
}

export class Settler {
  private readonly sql: postgres.Sql;
  private readonly observation: ObservationRecorder;
  private readonly opts: SettleOptions;
  onSettled: (nodes: number) => void = () => {};
  /** Called while the lock is still held, after a run that settled at least one node (the job-run log). */
  onRun: (startedAt: number, nodes: number) => Promise<void> = async () => {};

  constructor(sql: postgres.Sql, observation: ObservationRecorder, opts: SettleOptions) {
    this.sql = sql;
    this.observation = observation;
    this.opts = opts;
  }

  /** Settles every node that needs it. Returns how many were settled (undefined: another collector holds the lock). */
  async run(now: number): Promise<number | undefined> {
    return withTryLock(this.sql, LOCKS.settle, async () => {
      const startedAt = Date.now();
      let total = 0;
      let afterId = 0;
      let spans: Span[] | null = null;
      for (;;) {
        // A sequential scan of `nodes` is cheap even at fleet scale, and leaving these columns unindexed
        // keeps the per-heartbeat update of a node row a HOT update.
        const due = await this.sql<DueRow[]>`
          select id::int8 as id, recompute_from as "recomputeFrom", state_since as "stateSince", last_hb_at as "lastHbAt",
            last_ok as "lastOk", failing from nodes
          where id > ${afterId} and ((recompute_from is not null and recompute_from <= ${new Date(now)}) or state_check_at <= ${new Date(now)})
          order by id limit ${this.opts.batch}`;
        if (due.length === 0) break;
        spans ??= await this.observation.spans(now - this.opts.maxLookbackMs - this.opts.restartGraceMs, now);
        const nodes: NodeRow[] = due.map((r) => ({
          id: Number(r.id),
          recomputeFrom: r.recomputeFrom,
          stateSince: r.stateSince,
          lastHbAt: r.lastHbAt,
          lastOk: r.lastOk,
          failing: r.failing,
        }));
        total += await this.settleBatch(nodes, now, spans);
        afterId = nodes.at(-1)!.id;
        if (due.length < this.opts.batch) break;
      }
      if (total) {
        this.onSettled(total);
        await this.onRun(startedAt, total);
      }
      return total;
    });
  }

  /** Settles a batch of nodes; returns how many were written (the others changed meanwhile and wait for the next run). */
  async settleBatch(nodes: NodeRow[], now: number, spans: Span[]): Promise<number> {
    const sql = this.sql;
    const requested = new Map<number, number>();
    for (const n of nodes) {
      const candidates = [ms(n.recomputeFrom), Math.max(ms(n.stateSince) ?? -Infinity, ms(n.lastHbAt) ?? -Infinity)].filter(
        (x): x is number => x !== null && Number.isFinite(x),
      );
      requested.set(n.id, Math.max(Math.min(...candidates, now), now - this.opts.maxLookbackMs));
    }
    const req = (id: number) => requested.get(id)!;

    // Step back up to two stored points (so the stretch new evidence falls into is recomputed whole); a third is the prior.
    const backRows = await sql<NodeSampleRow[]>`
      select x.id::int8 as id, ${sql(POINT_COLUMNS.map((c) => `s.${c}`))}
      from jsonb_to_recordset(${sql.json(nodes.map((n) => ({ id: n.id, f: iso(req(n.id)) })) as never)}::jsonb) as x(id int8, f timestamptz)
      cross join lateral (select ${sql(POINT_COLUMNS)} from samples where node_id = x.id and at < x.f order by at desc limit 3) s`;
    const back = new Map<number, SampleRow[]>();
    for (const r of backRows) (back.get(Number(r.id)) ?? back.set(Number(r.id), []).get(Number(r.id))!).push(r);

    const from = new Map<number, number>();
    const prior = new Map<number, Point | null>();
    for (const n of nodes) {
      const b = back.get(n.id) ?? [];
      const f = b.length >= 2 ? b[1]!.at.getTime() : b.length === 1 ? b[0]!.at.getTime() : req(n.id);
      from.set(n.id, f);
      let p: Point | null = b.length >= 3 ? toPoint(b[2]!) : null;
      if (!p && n.lastHbAt && n.lastHbAt.getTime() < f)
        p = { at: n.lastHbAt.getTime(), live: true, ok: n.lastOk !== false, failing: n.failing };
      prior.set(n.id, p);
    }
    const fromJson = sql.json(nodes.map((n) => ({ id: n.id, f: iso(from.get(n.id)!) })) as never);
    const pointRows = await sql<NodeSampleRow[]>`
      select s.node_id::int8 as id, ${sql(POINT_COLUMNS.map((c) => `s.${c}`))}
      from jsonb_to_recordset(${fromJson}::jsonb) as x(id int8, f timestamptz)
      join samples s on s.node_id = x.id and s.at >= x.f and s.at < ${new Date(now)}
      order by s.node_id, s.at`;
    const points = new Map<number, Point[]>();
    for (const r of pointRows) (points.get(Number(r.id)) ?? points.set(Number(r.id), []).get(Number(r.id))!).push(toPoint(r));
    const beforeRows = await sql<BeforeRow[]>`
      select x.id::int8 as node, si.id::int8 as id, si.state, si.cause, si.evidence, si.start_at as "startAt", si.end_at as "endAt"
      from jsonb_to_recordset(${fromJson}::jsonb) as x(id int8, f timestamptz)
      cross join lateral (select * from state_intervals where node_id = x.id and start_at < x.f order by start_at desc limit 1) si`;
    const before = new Map<number, StoredInterval>();
    for (const r of beforeRows)
      before.set(Number(r.node), {
        id: Number(r.id),
        state: r.state,
        cause: r.cause,
        evidence: r.evidence,
        start: r.startAt.getTime(),
        end: ms(r.endAt),
      });

    const plans: Plan[] = [];
    for (const n of nodes) {
      const f = from.get(n.id)!;
      const { intervals, nextCheckAt } = deriveTimeline({
        from: f,
        to: now,
        prior: prior.get(n.id)!,
        points: points.get(n.id) ?? [],
        observed: spans,
        graceMs: this.opts.graceMs,
        restartGraceMs: this.opts.restartGraceMs,
      });
      plans.push(planWrites(n, f, intervals, before.get(n.id) ?? null, nextCheckAt));
    }
    return this.apply(plans);
  }

  /**
   * Writes the plans in one statement (data-modifying CTEs: one round trip, one commit). Its node updates
   * lock node rows that ingest updates at every heartbeat: as one statement, the locks last only as long
   * as the statement runs, not over several round trips of a transaction (at a start, when every node is
   * settled, each ingest commit touches some node of the batch being settled and waited for it). The node
   * updates are conditional on the heartbeat that was read; only the nodes that pass get their intervals
   * rewritten. The CTEs touch disjoint rows (the intervals from `from` on, the one before `from` merged
   * or trimmed), so their order within the statement does not matter.
   */
  private async apply(plans: Plan[]): Promise<number> {
    const sql = this.sql;
    const nodeUpdates = plans.map((p) => {
      const last = p.intervals.at(-1);
      return {
        id: p.node.id,
        seen_hb: p.node.lastHbAt ? p.node.lastHbAt.toISOString() : null,
        seen_rf: p.node.recomputeFrom ? p.node.recomputeFrom.toISOString() : null,
        state: last?.state ?? null,
        since: last ? iso(last.start) : null,
        check_at: p.nextCheckAt === null ? null : iso(p.nextCheckAt),
      };
    });
    const writing = plans.filter((p) => p.intervals.length > 0);
    const rewrites = writing.map((p) => ({
      id: p.node.id,
      f: iso(p.from),
      merged: p.deleteId,
      trim_id: p.trim?.id ?? null,
      trim_end: p.trim ? iso(p.trim.end) : null,
    }));
    const rows = writing.flatMap((p) =>
      p.intervals.map((iv, i) => ({
        node_id: p.node.id,
        state: iv.state,
        start_at: iso(iv.start),
        end_at: i === p.intervals.length - 1 ? null : iso(iv.end),
        cause: iv.cause,
        evidence: iv.evidence,
      })),
    );
    // `n.id = any(ids)` lets the planner reach `nodes` through its primary key (see the ingest writer).
    const [out] = await sql<Array<{ won: number }>>`
      with won as (
        update nodes n set
          current_state = coalesce(v.state, n.current_state),
          state_since = coalesce(v.since, n.state_since),
          state_check_at = v.check_at,
          recompute_from = case when n.recompute_from is not distinct from v.seen_rf then null else n.recompute_from end
        from jsonb_to_recordset(${sql.json(nodeUpdates as never)}::jsonb) as v(id int8, seen_hb timestamptz, seen_rf timestamptz, state text, since timestamptz, check_at timestamptz)
        where n.id = v.id and n.id = any(${nodeUpdates.map((u) => u.id)}::int8[]) and n.last_hb_at is not distinct from v.seen_hb
        returning n.id
      ), r as (
        select r.* from jsonb_to_recordset(${sql.json(rewrites as never)}::jsonb)
          as r(id int8, f timestamptz, merged int8, trim_id int8, trim_end timestamptz)
        join won on won.id = r.id
      ), replaced as (
        delete from state_intervals si using r where si.node_id = r.id and si.start_at >= r.f
      ), merged as (
        delete from state_intervals si using r where si.id = r.merged
      ), trimmed as (
        update state_intervals si set end_at = r.trim_end from r where si.id = r.trim_id
      ), inserted as (
        insert into state_intervals (node_id, state, start_at, end_at, cause, evidence)
        select x.node_id, x.state, x.start_at, x.end_at, x.cause, x.evidence
        from jsonb_to_recordset(${sql.json(rows as never)}::jsonb)
          as x(node_id int8, state text, start_at timestamptz, end_at timestamptz, cause text, evidence jsonb)
        join won on won.id = x.node_id
      )
      select count(*)::int as won from won`;
    return out!.won;
  }
}
