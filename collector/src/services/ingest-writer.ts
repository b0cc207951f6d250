/**
 * The write path. Requests are grouped into one transaction (group commit): many reports, one
 * multi-row insert into `samples`, one batched update of `nodes`. Each request's promise resolves only
 * after its rows are committed (and, with a standby gate, flushed by a standby), so an acknowledgement
 * always means "stored".
 */
import type postgres from 'postgres';
import type { Logger } from 'pino';
import { FleetError, type Report } from '@timmy/shared';
import { follows, markOf, type PreparedReport, type StreamMark } from './prepare.ts';
import { type CommitSight, commitSightColumns } from './standby-gate.ts';

export interface IngestJob {
  nodeId: number;
  receivedAt: number;
  report: Report;
  prepared: PreparedReport;
}

export interface JobResult {
  accepted: number;
  duplicates: number;
  /** The node's failing SLA-critical checks after the commit; absent when nothing of the node was stored (duplicates only). */
  failing?: string[];
}

interface Pending {
  job: IngestJob;
  resolve: (r: JobResult) => void;
  reject: (e: unknown) => void;
}

export interface WriterOptions {
  graceMs: number;
  maxRows: number;
  delayMs: number;
  /** Concurrent flush transactions (default 4). */
  maxConcurrent: number;
  /** An unchanged check status is rewritten (for a new message or value) at most this often; 0: every report. */
  checkRefreshMs: number;
}

/** What the writer last stored for one (node, check). */
export interface StoredCheck {
  status: string;
  /** Message and primary value. */
  content: string;
  at: number;
}

/**
 * Whether a check's newest result must be written to `node_check_status`: a new check or a new status at
 * once (alerting and /metrics read the status); a new message or value of the same status only once
 * `refreshMs` has passed since the last write. Reports every few seconds carry ever-changing messages
 * ("load 0.52"); rewriting the row for each would be a write per report for nothing anyone reads sooner.
 * `stored` is what this collector wrote; the writer forgets it when the node's reports went elsewhere
 * meanwhile (another collector may have written the row since).
 */
export function checkNeedsWrite(stored: StoredCheck | undefined, next: StoredCheck, refreshMs: number): boolean {
  if (!stored || stored.status !== next.status) return true;
  return stored.content !== next.content && next.at - stored.at >= refreshMs;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * What the write statement returns, as JSON built by the statement (one value per column): the samples it
 * did not insert per (node, stream, seq) with how many copies were left out (int8 as text), the check rows
 * it wrote as [node id as text, check name], and each updated node's failing checks as [id, failing].
 */
interface CommitOut extends CommitSight {
  skipped: Array<{ node_id: string; stream: string; seq: string; n: number }>;
  checks: Array<[node: string, name: string]>;
  nodes: Array<[id: number, failing: string[]]>;
}

/**
 * Whether PostgreSQL refused the data itself rather than being unable to run: SQLSTATE classes 21
 * (cardinality), 22 (data exception: a value out of range, a NUL byte, invalid text) and 23 (integrity
 * constraint). The same rows fail the same way on every retry.
 */
export function isDataError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[123][0-9A-Z]{3}$/.test(code);
}

/** A report the database refuses whatever the moment: answered 4xx, never retried. */
export class UnstorableReportError extends FleetError<'FLEET_UNSTORABLE'> {
  constructor(cause: unknown) {
    super('FLEET_UNSTORABLE', (cause as Error).message, { statusCode: 422, cause });
  }
}

/** What the writer asks of a standby gate (standby-gate.ts). */
export interface Gate {
  /** Resolves once a commit whose statement saw `sight` would survive the primary's loss; throws when it may not. */
  confirm(sight: CommitSight): Promise<void>;
}

export class IngestWriter {
  private queue: Pending[] = [];
  private queuedRows = 0;
  /** Transactions in flight: several at once, so one slow commit does not hold everyone behind it. */
  private inflight = 0;
  private timer: NodeJS.Timeout | null = null;
  /** What was last written per node+check (see checkNeedsWrite). */
  private checkCache = new Map<string, StoredCheck>();
  /**
   * The last report of each node this collector stored: when, and where its stream left off. What
   * `checkCache` says of a node is trusted only for the report that follows it (prepare.ts `follows`)
   * within the offline grace (see changedChecks).
   */
  private lastReport = new Map<number, StreamMark & { at: number }>();
  /** The commits in flight, each with its start (performance.now()); one object each, so two starting in the same instant both count. */
  private commitsInFlight = new Set<{ started: number }>();
  /** Since when every commit has failed for want of the database (null after a success). */
  private failingSince: number | null = null;
  readonly sql: postgres.Sql;
  readonly opts: WriterOptions;
  readonly log: Logger;
  onFlush: (rows: number, ms: number) => void = () => {};
  /** Confirms after each commit that it would survive the primary's loss (standby-gate.ts); none: a commit is enough. */
  readonly gate: Gate | null;

  constructor(sql: postgres.Sql, opts: WriterOptions, log: Logger, gate: Gate | null = null) {
    this.sql = sql;
    this.opts = opts;
    this.log = log;
    this.gate = gate;
  }

  write(job: IngestJob): Promise<JobResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.queuedRows += job.prepared.samples.length;
      if (this.queuedRows >= this.opts.maxRows) this.kick(0);
      else this.kick(this.opts.delayMs);
    });
  }

  private kick(delay: number) {
    if (this.queue.length === 0 || this.inflight >= this.opts.maxConcurrent) return; // a finishing flush kicks again
    if (delay === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, delay);
    }
  }

  /** Waits for everything queued to be committed (used at shutdown). */
  async drain(): Promise<void> {
    while (this.queue.length || this.inflight) {
      if (this.queue.length && this.inflight < this.opts.maxConcurrent) await this.flush();
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Takes up to maxRows samples' worth of queued reports (at least one report). */
  private take(): Pending[] {
    let rows = 0;
    let n = 0;
    while (n < this.queue.length && (n === 0 || rows + this.queue[n]!.job.prepared.samples.length <= this.opts.maxRows)) {
      rows += this.queue[n]!.job.prepared.samples.length;
      n++;
    }
    this.queuedRows -= rows;
    return this.queue.splice(0, n);
  }

  private async flush(): Promise<void> {
    if (this.inflight >= this.opts.maxConcurrent || this.queue.length === 0) return;
    this.inflight++;
    const batch = this.take();
    const started = performance.now();
    try {
      await this.commitOrSplit(batch);
      this.onFlush(
        batch.reduce((n, p) => n + p.job.prepared.samples.length, 0),
        performance.now() - started,
      );
    } catch (e) {
      this.log.error({ err: e, reports: batch.length }, 'ingest batch failed; nothing in it was acknowledged');
      for (const p of batch) p.reject(e);
    } finally {
      this.inflight--;
      if (this.queue.length) this.kick(this.queuedRows >= this.opts.maxRows ? 0 : this.opts.delayMs);
    }
  }

  /**
   * Commits a batch; when the database refuses its data (isDataError), each half is committed on its
   * own, down to the one report at fault, which alone is rejected (UnstorableReportError): one sender's
   * bad input never fails the reports it happened to share a transaction with. Anything else (the
   * database unavailable) fails the whole batch, to be retried by the senders.
   */
  private async commitOrSplit(batch: Pending[]): Promise<void> {
    let results: JobResult[];
    try {
      results = await this.commitRetrying(batch.map((p) => p.job));
    } catch (e) {
      if (!isDataError(e)) throw e;
      if (batch.length === 1) {
        this.log.warn({ err: e, nodeId: batch[0]!.job.nodeId }, 'report refused by the database: rejected alone');
        batch[0]!.reject(new UnstorableReportError(e));
        return;
      }
      const half = Math.ceil(batch.length / 2);
      for (const part of [batch.slice(0, half), batch.slice(half)]) {
        try {
          await this.commitOrSplit(part);
        } catch (err) {
          for (const p of part) p.reject(err);
        }
      }
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]!));
  }

  /**
   * Whether reports cannot be stored right now: the last commit failed for want of the database (not for
   * its data), or a commit has been in flight for more than `stalledMs` (a connection hanging on a
   * primary that is going away). While it is, the collector does not claim to observe (observation.ts):
   * a node whose reports it cannot store is not silent, and must not be counted DOWN.
   */
  blocked(stalledMs: number): boolean {
    if (this.failingSince !== null) return true;
    const now = performance.now();
    for (const c of this.commitsInFlight) if (now - c.started > stalledMs) return true;
    return false;
  }

  /** Deadlocks and serialization failures (concurrent batches, or collectors, touching the same nodes) are retried. */
  private async commitRetrying(jobs: IngestJob[]): Promise<JobResult[]> {
    const commit = { started: performance.now() };
    this.commitsInFlight.add(commit);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const { results, sight } = await this.commit(jobs);
          // Committed but not yet acknowledged: if the gate gives up, the senders retry and the
          // database recognises what it already holds.
          await this.gate?.confirm(sight);
          this.failingSince = null;
          return results;
        } catch (e) {
          const code = (e as { code?: string }).code;
          if ((code === '40P01' || code === '40001') && attempt < 3) continue;
          if (!isDataError(e)) this.failingSince ??= performance.now();
          throw e;
        }
      }
    } finally {
      this.commitsInFlight.delete(commit);
    }
  }

  private async commit(jobs: IngestJob[]): Promise<{ results: JobResult[]; sight: CommitSight }> {
    const sampleRows: Array<Record<string, unknown>> = [];
    for (const j of jobs) {
      // Times as epoch ms (PostgreSQL converts them): no date formatting per sample on this thread.
      for (const s of j.prepared.samples) {
        const m = s.metrics;
        sampleRows.push({
          node_id: j.nodeId,
          stream: j.report.stream,
          seq: s.seq,
          ts: s.ts,
          received_at: j.receivedAt,
          at: s.at,
          live: s.live,
          ok: s.ok,
          detail: s.detail,
          disk_pct: m.diskPct,
          load1: m.load1,
          mem_pct: m.memPct,
          agent_rss_kib: m.agentRssKib,
          agent_cpu_s: m.agentCpuS,
          lag_ms: s.lagMs,
          uptime_s: s.uptimeS,
        });
      }
    }
    const nodeRows = aggregateNodeUpdates(jobs);
    const checkRows = this.changedChecks(jobs);
    // One statement, so one round trip and one commit: the writes are data-modifying CTEs, which
    // PostgreSQL runs to completion whether or not the outer query reads them, all in one transaction.
    // Everything the node row and the check rows learn comes from the samples this statement inserted
    // (`ins`): a sample already stored (a duplicate) changes nothing, and is never a live heartbeat.
    // `n.id = any(ids)` lets the planner reach `nodes` through its primary key: joined to a function scan
    // alone (estimated at 100 rows), it chose a hash join over a sequential scan of every node.
    const [out] = await this.sql<CommitOut[]>`
      with x as (
        select * from jsonb_to_recordset(${this.sql.json(sampleRows as never)}::jsonb)
          as x(node_id int8, stream text, seq int8, ts float8, received_at float8, at float8, live bool, ok bool, detail jsonb,
               disk_pct float4, load1 float4, mem_pct float4, agent_rss_kib int4, agent_cpu_s float8, lag_ms int4, uptime_s float4)
      ), ins as (
        insert into samples (node_id, stream, seq, ts, received_at, at, live, ok, detail, disk_pct, load1, mem_pct, agent_rss_kib, agent_cpu_s, lag_ms, uptime_s)
        select node_id, stream, seq, to_timestamp(ts / 1000), to_timestamp(received_at / 1000), to_timestamp(at / 1000), live, ok, detail, disk_pct, load1, mem_pct, agent_rss_kib, agent_cpu_s, lag_ms, uptime_s from x
        on conflict do nothing
        returning node_id, stream, seq, at, live, ok, detail
      ), agg as (
        select node_id,
               max(at) filter (where live) as live_at,
               min(at) filter (where live) as live_from,
               min(at) filter (where not live) as late_from,
               coalesce(bool_or(not ok) filter (where live), false) as any_bad,
               (array_agg(ok order by at desc, seq desc) filter (where live))[1] as ok,
               -- The failing checks carried after the newest sample stored now (prepare.ts carries them per sample).
               max(at) as newest_at,
               (array_agg(coalesce(detail -> 'failing', '[]'::jsonb) order by at desc, seq desc))[1] as failing,
               max(seq) as last_seq
          from ins group by node_id
      ), v as (
        select * from jsonb_to_recordset(${this.sql.json(
          nodeRows.map((r) => ({
            id: r.id,
            skew: r.skew,
            stream: r.stream,
            agent_version: r.agentVersion,
            boot_id: r.bootId,
            inventory: r.inventory,
          })) as never,
        )}::jsonb)
          as v(id int8, skew int4, stream text, agent_version text, boot_id text, inventory jsonb)
      ), upd as (
        update nodes n set
          last_hb_at = case when a.live_at is not null and (n.last_hb_at is null or a.live_at > n.last_hb_at) then a.live_at else n.last_hb_at end,
          last_ok = case when a.live_at is not null and (n.last_hb_at is null or a.live_at >= n.last_hb_at) then a.ok else n.last_ok end,
          -- Late samples older than the newest live heartbeat are history: they do not change what is failing now.
          failing = case when n.last_hb_at is null or a.newest_at >= n.last_hb_at then a.failing else n.failing end,
          clock_skew_ms = v.skew,
          last_seq = greatest(n.last_seq, a.last_seq),
          last_stream = v.stream,
          agent_version = v.agent_version,
          boot_id = coalesce(v.boot_id, n.boot_id),
          inventory = coalesce(v.inventory, n.inventory),
          state_check_at = case when a.live_at is not null and (n.last_hb_at is null or a.live_at > n.last_hb_at)
                                then a.live_at + make_interval(secs => ${this.opts.graceMs / 1000}) else n.state_check_at end,
          recompute_from = least(n.recompute_from, a.late_from,
            case when a.live_at is not null and (n.current_state is distinct from 'UP' or a.any_bad or n.last_ok is distinct from true)
                 then least(n.last_hb_at, a.live_from) end)
        from v join agg a on a.node_id = v.id
        where n.id = v.id and n.id = any(${nodeRows.map((r) => r.id)}::int8[])
        returning n.id, n.failing
      ), chk as (
        insert into node_check_status (node_id, name, probe, status, message, sla_critical, value, since, updated_at)
        select c.node_id, c.name, c.probe, c.status, c.message, c.sla_critical, c.value, c.at, c.at
        from jsonb_to_recordset(${this.sql.json(checkRows.map((r) => ({ node_id: r.nodeId, stream: r.stream, seq: r.seq, name: r.name, probe: r.probe, status: r.status, message: r.message, sla_critical: r.slaCritical, value: r.value, at: r.at })) as never)}::jsonb)
          as c(node_id int8, stream text, seq int8, name text, probe text, status text, message text, sla_critical bool, value float8, at timestamptz)
        join ins on ins.node_id = c.node_id and ins.stream = c.stream and ins.seq = c.seq
        on conflict (node_id, name) do update set
          probe = excluded.probe, message = excluded.message, sla_critical = excluded.sla_critical, value = excluded.value, updated_at = excluded.updated_at,
          since = case when node_check_status.status = excluded.status then node_check_status.since else excluded.since end,
          status = excluded.status
        -- An older result (a late sample) never overwrites a newer one.
        where node_check_status.updated_at <= excluded.updated_at
        returning node_id, name
      ), skipped as (
        select x.node_id::text as node_id, x.stream, x.seq::text as seq, count(*)::int - max(case when ins.seq is null then 0 else 1 end) as n
        from x left join ins on ins.node_id = x.node_id and ins.stream = x.stream and ins.seq = x.seq
        group by x.node_id, x.stream, x.seq
        having count(*) > max(case when ins.seq is null then 0 else 1 end)
      )
      select (select coalesce(json_agg(skipped), '[]') from skipped) as skipped,
             (select coalesce(json_agg(json_build_array(node_id::text, name)), '[]') from chk) as checks,
             (select coalesce(json_agg(json_build_array(id::int8, failing)), '[]') from upd) as nodes,
             ${commitSightColumns(this.sql)}`;
    const written = new Set(out!.checks.map(([node, name]) => `${node}\u0000${name}`));
    const failingNow = new Map(out!.nodes.map(([id, failing]) => [Number(id), failing]));
    // Only once committed, and only what was written: a batch that failed (or is retried), or a check
    // result that came with a duplicate, leaves the cache as it was.
    for (const r of checkRows) if (written.has(r.id)) this.checkCache.set(r.id, r.stored);
    for (const j of jobs) {
      const seen = this.lastReport.get(j.nodeId);
      const mark = markOf(j.report.stream, j.prepared.samples);
      if (!seen || seen.stream !== mark.stream || mark.lastSeq > seen.lastSeq)
        this.lastReport.set(j.nodeId, { ...mark, at: Math.max(seen?.at ?? j.receivedAt, j.receivedAt) });
    }
    // The statement returns the samples it did not insert (already stored: duplicates), usually none.
    const notInserted = new Map<string, number>();
    for (const r of out!.skipped) notInserted.set(`${r.node_id}\u0000${r.stream}\u0000${r.seq}`, Number(r.n));
    const results = jobs.map((j) => {
      let duplicates = 0;
      for (const s of j.prepared.samples) {
        const k = `${j.nodeId}\u0000${j.report.stream}\u0000${s.seq}`;
        const n = notInserted.get(k);
        if (n === undefined) continue;
        // The same sample twice in one batch: one copy was inserted (unless it was already stored), the others are duplicates.
        duplicates++;
        if (n > 1) notInserted.set(k, n - 1);
        else notInserted.delete(k);
      }
      const failing = failingNow.get(j.nodeId);
      return { accepted: j.prepared.samples.length - duplicates, duplicates, ...(failing ? { failing } : {}) };
    });
    return { results, sight: { timeline: out!.timeline, standbys: out!.standbys } };
  }

  private changedChecks(jobs: IngestJob[]) {
    const latest = new Map<
      string,
      {
        id: string;
        nodeId: number;
        stream: string;
        seq: number;
        name: string;
        probe: string;
        status: string;
        message: string;
        slaCritical: boolean;
        value: number | null;
        at: string;
        stored: StoredCheck;
      }
    >();
    for (const j of jobs) {
      const last = this.lastReport.get(j.nodeId);
      const trusted =
        last !== undefined && j.receivedAt - last.at <= this.opts.graceMs && follows(last, j.report.stream, j.prepared.samples);
      for (const [name, c] of j.prepared.latestChecks) {
        const primary = c.values ? Object.values(c.values).find((v) => typeof v === 'number') : undefined;
        const value = typeof primary === 'number' ? primary : null;
        const id = `${j.nodeId}\u0000${name}`;
        const stored: StoredCheck = { status: c.status, content: `${c.message}\u0000${value}`, at: c.at };
        // Within one batch the newest report of a node wins, whatever the cache says.
        if (!latest.has(id) && !checkNeedsWrite(trusted ? this.checkCache.get(id) : undefined, stored, this.opts.checkRefreshMs)) continue;
        latest.set(id, {
          id,
          nodeId: j.nodeId,
          stream: j.report.stream,
          seq: c.seq,
          name,
          probe: c.probe,
          status: c.status,
          message: c.message,
          slaCritical: c.slaCritical,
          value,
          at: iso(c.at),
          stored,
        });
      }
    }
    return [...latest.values()];
  }
}

/**
 * What the reports of a batch tell about each node beyond its samples (several reports of one node are
 * folded; the newest wins). Heartbeat times, the SLA-critical state and the seq come from the samples the
 * statement actually inserts (see commit): a duplicate must not move them.
 */
function aggregateNodeUpdates(jobs: IngestJob[]) {
  const byNode = new Map<
    number,
    { id: number; skew: number; stream: string; agentVersion: string; bootId: string | null; inventory: unknown }
  >();
  for (const j of jobs) {
    const prev = byNode.get(j.nodeId);
    byNode.set(j.nodeId, {
      id: j.nodeId,
      skew: Math.max(-2_000_000_000, Math.min(2_000_000_000, Math.round(j.prepared.skewMs))),
      stream: j.report.stream,
      agentVersion: j.report.agentVersion,
      bootId: j.prepared.bootId ?? prev?.bootId ?? null,
      inventory: j.report.inventory ?? prev?.inventory ?? null,
    });
  }
  return [...byNode.values()];
}
