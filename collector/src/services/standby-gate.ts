/**
 * The standby gate: a batch is acknowledged only once it would survive the loss of the primary.
 *
 * With a synchronous standby (pg_auto_failover's `primary` state) a commit returns after the standby
 * flushed it, and the gate passes at once. But a primary that has lost its synchronous standby (or is
 * told it has: pg_auto_failover puts the old primary in `wait_primary` at the start of a planned
 * switchover, while the standby prepares its promotion) commits alone; what it commits after the
 * standby stopped streaming is rewound away when it is demoted. A report acknowledged then is lost,
 * and agents delete what was acknowledged. So after each commit the gate reads the server's WAL
 * position and its standbys' flush positions (`pg_stat_replication`) and decides:
 * - a standby has flushed past the commit: acknowledge;
 * - otherwise, if a synchronous standby was seen on this server's timeline within `quietMs`: wait (and
 *   after `waitMs`, fail the batch: the senders retry, and the database deduplicates what was stored);
 * - otherwise the server has run alone for a while (a standby that died, or a freshly promoted node
 *   whose old primary has not rejoined): acknowledge, as pg_auto_failover itself accepts writes then.
 * A timeline changes at each promotion, so a promoted standby starts with no synchronous standby seen.
 * The write statement itself returns the timeline and the standbys' count: with no standby on a timeline
 * that never had a synchronous one (a single server), no further read is made.
 * Reading standbys' positions needs `pg_read_all_stats` (or a superuser); without it the positions are
 * hidden, the gate cannot tell, says so once in the log, and acknowledges.
 */
import type postgres from 'postgres';
import type { Logger } from 'pino';
import { FleetError } from '@timmy/shared';

/** What one read of the server's replication gives: its timeline, its WAL position, its standbys. */
export interface ReplicationView {
  /** The server's timeline (the first 8 hex digits of its current WAL file name). */
  timeline: string;
  /** The server's WAL write position after the commit (bytes). */
  lsn: bigint;
  standbys: Array<{
    /** How far the standby has flushed (bytes); null when this role may not see it. */
    flush: bigint | null;
    /** pg_stat_replication.sync_state: 'sync' and 'quorum' are synchronous. */
    sync: string | null;
  }>;
}

/**
 * flushed: a standby has the commit. single: no synchronous standby was ever seen on this timeline (one
 * server, or a promoted node whose old primary has not rejoined). lapsed: one was, but not for quietMs.
 * unverifiable: standbys are there but their positions are hidden from this role.
 */
export type AckReason = 'flushed' | 'single' | 'lapsed' | 'unverifiable';
export type Verdict = { kind: 'ack'; why: AckReason } | { kind: 'wait' };

export interface GateOptions {
  /** After a synchronous standby was last seen, how long the server must run without one before it is trusted alone. */
  quietMs: number;
  /** How long one batch waits for a standby before it fails (and its senders retry). */
  waitMs: number;
}

/**
 * The decision for a commit whose WAL position is `target`, given a fresh view of the server and when
 * a synchronous standby was last seen on each timeline (`lastSync`, updated here). Pure but for
 * `lastSync`.
 */
export function standbyVerdict(
  view: ReplicationView,
  target: bigint,
  lastSync: Map<string, number>,
  now: number,
  quietMs: number,
): Verdict {
  if (view.standbys.some((s) => s.sync === 'sync' || s.sync === 'quorum')) lastSync.set(view.timeline, now);
  if (view.standbys.some((s) => s.flush !== null && s.flush >= target)) return { kind: 'ack', why: 'flushed' };
  if (view.standbys.length > 0 && view.standbys.every((s) => s.flush === null)) return { kind: 'ack', why: 'unverifiable' };
  const seen = lastSync.get(view.timeline);
  if (seen === undefined) return { kind: 'ack', why: 'single' };
  return now - seen >= quietMs ? { kind: 'ack', why: 'lapsed' } : { kind: 'wait' };
}

/**
 * The server's timeline, in SQL: the first 8 hex digits of its current WAL file's name. One definition for
 * the write statement's sight (`commitSightColumns`) and the gate's own read, which must agree.
 */
const timelineOf = (sql: postgres.ISql) => sql`substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)`;

/**
 * The columns a write statement adds to its select for the gate (CommitSight): the server's timeline and
 * how many standbys stream from it (the function behind pg_stat_replication, without that view's join to
 * every session's activity).
 */
export const commitSightColumns = (sql: postgres.ISql) =>
  sql`${timelineOf(sql)} as timeline, (select count(*)::int from pg_stat_get_wal_senders()) as standbys`;

/** What the write statement itself saw of replication: the server's timeline and its standbys' count. */
export interface CommitSight {
  timeline: string;
  standbys: number;
}

/**
 * Whether what the write statement saw settles it without another read: no standby at all, on a timeline
 * that has never had a synchronous one (a single server: the common case costs no round trip).
 */
export const aloneByItsSight = (sight: CommitSight, lastSync: ReadonlyMap<string, number>): boolean =>
  sight.standbys === 0 && !lastSync.has(sight.timeline);

/** The batch's commit was not confirmed by a standby in time: nothing of it is acknowledged (the senders retry). */
export class StandbyWaitError extends FleetError<'FLEET_UNAVAILABLE'> {
  constructor(ms: number) {
    super('FLEET_UNAVAILABLE', `no standby flushed the commit within ${ms} ms; the senders retry`, { statusCode: 503 });
  }
}

interface ViewRow {
  timeline: string;
  lsn: string;
  standbys: Array<{ flush: string | null; sync: string | null }>;
}

export class StandbyGate {
  /** When a synchronous standby was last seen, per timeline (performance.now()). */
  private readonly lastSync = new Map<string, number>();
  private warnedUnverifiable = false;
  /** The timeline on which the gate last acknowledged with a lapsed standby (null: it is not doing so). */
  private lapsedOn: string | null = null;
  /** Called for each commit that had to wait for a standby: confirmed in the end, or refused after waitMs. */
  onWait: (outcome: 'confirmed' | 'refused') => void = () => {};

  private readonly sql: postgres.Sql;
  private readonly opts: GateOptions;
  private readonly log: Logger;

  constructor(sql: postgres.Sql, opts: GateOptions, log: Logger) {
    this.sql = sql;
    this.opts = opts;
    this.log = log;
  }

  private async view(): Promise<ReplicationView> {
    // LSNs as byte offsets in text (numeric), so that no position is rounded on the way.
    const [row] = await this.sql<ViewRow[]>`
      select ${timelineOf(this.sql)} as timeline,
             (pg_current_wal_lsn() - '0/0'::pg_lsn)::text as lsn,
             coalesce((select json_agg(json_build_object('flush', (flush_lsn - '0/0'::pg_lsn)::text, 'sync', sync_state))
                         from pg_stat_replication), '[]'::json) as standbys`;
    return {
      timeline: row!.timeline,
      lsn: BigInt(row!.lsn),
      standbys: row!.standbys.map((s) => ({ flush: s.flush === null ? null : BigInt(s.flush), sync: s.sync })),
    };
  }

  /**
   * Resolves once what this connection pool committed so far would survive a failover; throws
   * StandbyWaitError after waitMs. `sight`: what the commit's statement saw (aloneByItsSight).
   */
  async confirm(sight?: CommitSight): Promise<void> {
    if (sight && aloneByItsSight(sight, this.lastSync)) return;
    const started = performance.now();
    let view = await this.view();
    const target = view.lsn;
    for (let pause = 5, polls = 0; ; pause = Math.min(pause * 2, 100), polls++) {
      const now = performance.now();
      const v = standbyVerdict(view, target, this.lastSync, now, this.opts.quietMs);
      if (v.kind === 'ack') {
        if (polls > 0) this.onWait('confirmed');
        this.note(v.why, view.timeline);
        return;
      }
      if (now - started >= this.opts.waitMs) {
        this.onWait('refused');
        throw new StandbyWaitError(this.opts.waitMs);
      }
      await new Promise((r) => setTimeout(r, pause));
      view = await this.view();
    }
  }

  /** Logs the moments the gate's footing changes (never once per batch). */
  private note(why: AckReason, timeline: string) {
    if (why === 'unverifiable' && !this.warnedUnverifiable) {
      this.warnedUnverifiable = true;
      this.log.error(
        'standby positions are hidden from this role (grant pg_read_all_stats): acknowledging without checking that a standby has the data',
      );
    }
    const lapsed = why === 'lapsed' ? timeline : null;
    if (lapsed === this.lapsedOn) return;
    if (lapsed) this.log.warn({ timeline }, 'no synchronous standby for a while: acknowledging what the primary alone has stored');
    else this.log.info({ timeline, why }, 'acknowledging as before the standby lapsed');
    this.lapsedOn = lapsed;
  }
}
