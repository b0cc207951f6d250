/**
 * The settle job: turns new evidence into stored state intervals. It runs under an advisory lock (once
 * across collectors) and only for nodes that need it: new evidence (`recompute_from`) or a state that
 * changes by itself with time (`state_check_at`: a grace period or a restart zone running out).
 * The decision itself is the pure `deriveTimeline`.
 */
import type postgres from 'postgres';
import type { Logger } from 'pino';
import { deriveTimeline } from '../sla/timeline.ts';
import type { Interval, Point, Span } from '../sla/types.ts';
import { LOCKS, withTryLock } from '../db/database.ts';
import type { ObservationRecorder } from './observation.ts';

export interface SettleOptions {
  graceMs: number;
  restartGraceMs: number;
  /** How far back recomputation may reach (raw samples exist only this long). */
  maxLookbackMs: number;
  batch: number;
}

const ms = (d: Date | null | undefined) => (d ? d.getTime() : null);

function toPoint(r: { at: Date; live: boolean; ok: boolean; detail: { failing?: string[] } | null }): Point {
  return { at: r.at.getTime(), live: r.live, ok: r.ok, ...(r.detail?.failing?.length ? { failing: r.detail.failing } : {}) };
}

export class Settler {
  private readonly sql: postgres.Sql;
  private readonly observation: ObservationRecorder;
  private readonly opts: SettleOptions;
  private readonly log: Logger;
  onSettled: (nodes: number) => void = () => {};
  /** Called while the lock is still held, after a run that settled at least one node (the job-run log). */
  onRun: (startedAt: number, nodes: number) => Promise<void> = async () => {};

  constructor(sql: postgres.Sql, observation: ObservationRecorder, opts: SettleOptions, log: Logger) {
    this.sql = sql;
    this.observation = observation;
    this.opts = opts;
    this.log = log;
  }

  /** Settles every node that needs it. Returns how many were settled (undefined: another collector holds the lock). */
  async run(now: number): Promise<number | undefined> {
    return withTryLock(this.sql, LOCKS.settle, async () => {
      const startedAt = Date.now();
      let total = 0;
      for (;;) {
        const due = await this.sql`
          select id::int8 as id from nodes
          where (recompute_from is not null and recompute_from <= ${new Date(now)}) or state_check_at <= ${new Date(now)}
          order by id limit ${this.opts.batch}`;
        if (due.length === 0) break;
        const spans = await this.observation.spans(now - this.opts.maxLookbackMs - this.opts.restartGraceMs, now);
        for (const r of due) await this.settleNode(Number(r.id), now, spans);
        total += due.length;
        if (due.length < this.opts.batch) break;
      }
      if (total) {
        this.onSettled(total);
        await this.onRun(startedAt, total);
      }
      return total;
    });
  }

  async settleNode(nodeId: number, now: number, spans: Span[]): Promise<void> {
    await this.sql.begin(async (tx) => {
      const [n] = await tx`
        select recompute_from, state_check_at, state_since, last_hb_at, last_ok, failing, current_state
        from nodes where id = ${nodeId} for update`;
      if (!n) return;
      const seen = n.recompute_from as Date | null;
      const candidates = [ms(seen), Math.max(ms(n.state_since) ?? -Infinity, ms(n.last_hb_at) ?? -Infinity)].filter((x): x is number => x !== null && Number.isFinite(x));
      let from = Math.max(Math.min(...candidates, now), now - this.opts.maxLookbackMs);
      // Step back two stored points, so the stretch that new evidence falls into is recomputed whole.
      const back = await tx`select at from samples where node_id = ${nodeId} and at < ${new Date(from)} order by at desc limit 2`;
      if (back.length) from = (back.at(-1)!.at as Date).getTime();
      const [priorRow] = await tx`select at, live, ok, detail from samples where node_id = ${nodeId} and at < ${new Date(from)} order by at desc limit 1`;
      let prior: Point | null = priorRow ? toPoint(priorRow as never) : null;
      if (!prior && n.last_hb_at && (n.last_hb_at as Date).getTime() < from) {
        prior = { at: (n.last_hb_at as Date).getTime(), live: true, ok: n.last_ok !== false, failing: n.failing as string[] };
      }
      const rows = await tx`select at, live, ok, detail from samples where node_id = ${nodeId} and at >= ${new Date(from)} and at < ${new Date(now)} order by at`;
      const points = rows.map((r) => toPoint(r as never));
      const { intervals, nextCheckAt } = deriveTimeline({ from, to: now, prior, points, observed: spans, graceMs: this.opts.graceMs, restartGraceMs: this.opts.restartGraceMs });
      await replaceIntervals(tx, nodeId, from, intervals);
      const last = intervals.at(-1);
      const [cur] = last ? await tx`select state, start_at from state_intervals where node_id = ${nodeId} and end_at is null order by start_at desc limit 1` : [];
      await tx`
        update nodes set
          current_state = ${last ? last.state : n.current_state},
          state_since = ${cur ? cur.start_at : n.state_since},
          state_check_at = ${nextCheckAt === null ? null : new Date(nextCheckAt)},
          recompute_from = case when recompute_from is not distinct from ${seen} then null else recompute_from end
        where id = ${nodeId}`;
    });
  }
}

/** Replaces the stored intervals from `from` on with `intervals` (the last one left open), merging at the seam. */
async function replaceIntervals(tx: postgres.TransactionSql, nodeId: number, from: number, intervals: Interval[]): Promise<void> {
  if (intervals.length === 0) return;
  const f = new Date(from);
  await tx`delete from state_intervals where node_id = ${nodeId} and start_at >= ${f}`;
  const [before] = await tx`
    update state_intervals set end_at = ${f}
    where node_id = ${nodeId} and start_at < ${f} and (end_at is null or end_at > ${f})
    returning id::int8 as id, state, cause, evidence, start_at`;
  const rows = intervals.map((iv) => ({ ...iv }));
  const first = rows[0]!;
  if (before && before.state === first.state && before.cause === first.cause && sameEvidence(before.evidence as Record<string, unknown>, first.evidence)) {
    await tx`delete from state_intervals where id = ${before.id}`;
    first.start = (before.start_at as Date).getTime();
    first.evidence = before.evidence as Record<string, unknown>;
  } else if (!before) {
    // Nothing stored spans the seam: an interval ending exactly at `from` may still merge.
    const [touching] = await tx`select id::int8 as id, state, cause, evidence, start_at from state_intervals where node_id = ${nodeId} and end_at = ${f} limit 1`;
    if (touching && touching.state === first.state && touching.cause === first.cause && sameEvidence(touching.evidence as Record<string, unknown>, first.evidence)) {
      await tx`delete from state_intervals where id = ${touching.id}`;
      first.start = (touching.start_at as Date).getTime();
      first.evidence = touching.evidence as Record<string, unknown>;
    }
  }
  const lastIdx = rows.length - 1;
  const json = rows.map((r, i) => ({ state: r.state, start_at: new Date(r.start).toISOString(), end_at: i === lastIdx ? null : new Date(r.end).toISOString(), cause: r.cause, evidence: r.evidence }));
  await tx`
    insert into state_intervals (node_id, state, start_at, end_at, cause, evidence)
    select ${nodeId}, state, start_at, end_at, cause, evidence
    from jsonb_to_recordset(${tx.json(json as never)}::jsonb) as x(state text, start_at timestamptz, end_at timestamptz, cause text, evidence jsonb)`;
}

function sameEvidence(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return a.lastHeartbeatAt === b.lastHeartbeatAt && JSON.stringify(a.failing ?? null) === JSON.stringify(b.failing ?? null);
}
