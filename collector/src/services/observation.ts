/**
 * The collector records its own observation: a span per process (and a new one after any stretch in
 * which it could not reach its database). Time outside every span is UNKNOWN for every node.
 *
 * A span claims time only up to the arrival of the oldest report whose fate is still open, and a report
 * lost for want of the database ends every span (this collector's and the others') at its arrival: the
 * node spoke and the monitoring did not hear it (ingest-watch.ts). Another collector's span covering that
 * time would otherwise count the node's silence, while its agent retried or backed off, as observed.
 */
import { randomBytes } from 'node:crypto';
import type postgres from 'postgres';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Span } from '../sla/types.ts';
import { cutAt, IngestWatch } from './ingest-watch.ts';

export class ObservationRecorder {
  readonly instanceId = randomBytes(6).toString('hex');
  private spanId: number | null = null;
  /** When a beat last succeeded (a gap of more than three beats ends the span). */
  private lastBeat = 0;
  /** Up to when our span claims observation (its `last_beat_at`). */
  private claimed = 0;
  private spanStart = 0;
  private readonly sql: postgres.Sql;
  private readonly clock: Clock;
  private readonly beatMs: number;
  private readonly log: Logger;
  /** Whether reports cannot be stored right now (the ingest writer's `blocked`): a beat then claims nothing. */
  private readonly ingestBlocked: () => boolean;
  /** The reports this collector is handling, and those it lost for want of the database. */
  readonly ingest: IngestWatch;

  constructor(
    sql: postgres.Sql,
    clock: Clock,
    beatMs: number,
    log: Logger,
    ingestBlocked: () => boolean = () => false,
    ingest: IngestWatch = new IngestWatch(clock),
  ) {
    this.sql = sql;
    this.clock = clock;
    this.beatMs = beatMs;
    this.log = log;
    this.ingestBlocked = ingestBlocked;
    this.ingest = ingest;
  }

  /**
   * Opens a new span; the gap since anyone last observed gets recomputed for every node. First the
   * spans are ended at the arrival of each report lost for want of the database (`losses`, see endSpansAt),
   * and the time since then is recomputed too.
   */
  async open(losses: readonly number[] = []): Promise<void> {
    const now = this.clock();
    await this.sql.begin(async (tx) => {
      await this.endSpansAt(tx, losses);
      const [prev] = await tx<{ t: Date | null }[]>`select max(last_beat_at) as t from collector_spans`;
      const [row] = await tx<
        { id: string }[]
      >`insert into collector_spans (instance_id, started_at, last_beat_at) values (${this.instanceId}, ${new Date(now)}, ${new Date(now)}) returning id::int8 as id`;
      this.spanId = Number(row!.id);
      const gapFrom = Math.min(prev?.t ? prev.t.getTime() : now, ...losses);
      if (gapFrom < now) {
        await tx`update nodes set recompute_from = least(recompute_from, ${new Date(gapFrom)}) where current_state is not null`;
      }
    });
    this.ingest.acted(losses);
    this.lastBeat = now;
    this.claimed = now;
    this.spanStart = now;
  }

  /**
   * Called every beat. After a stretch without a successful beat (database away), or once a report was
   * lost for want of the database, opens a new span. While reports cannot be stored (ingest failing or
   * stalled, though this beat's own query might get through), the beat fails: observing means being able
   * to hear the nodes, not only reaching the database. The span is extended only up to the arrival of the
   * oldest report still being handled: its fate (stored at its arrival, or lost) is not known yet.
   */
  async beat(): Promise<void> {
    const now = this.clock();
    if (this.ingestBlocked() || this.ingest.stalled(now, this.beatMs * 3))
      throw new Error('not observing: reports cannot be stored right now');
    const losses = this.ingest.losses();
    if (losses.length) {
      this.log.warn(
        { reports: losses.length, since: new Date(losses[0]!).toISOString() },
        'reports lost for want of the database: the observation spans end at their arrival; starting a new span',
      );
      await this.open(losses);
      return;
    }
    if (this.spanId === null || now - this.lastBeat > this.beatMs * 3) {
      this.log.warn({ sinceLastBeatMs: now - this.lastBeat }, 'observation gap: starting a new span; the gap is UNKNOWN time');
      await this.open();
      return;
    }
    const upTo = Math.max(this.claimed, this.ingest.settledTo(now));
    // Unless another collector ended our span meanwhile (it lost a report we covered): then a new one.
    const extended = await this.sql`
      update collector_spans set last_beat_at = ${new Date(upTo)} where id = ${this.spanId} and last_beat_at >= ${new Date(this.claimed)} returning id`;
    if (extended.length === 0) {
      this.log.warn('observation span ended by another collector (a report lost for want of the database); starting a new span');
      await this.open();
      return;
    }
    this.lastBeat = now;
    this.claimed = upTo;
  }

  /** Closes our span at the last moment we know we observed (graceful stop: everything was handled by now). */
  async close(): Promise<void> {
    if (this.spanId === null) return;
    const now = this.clock();
    const losses = this.ingest.losses();
    await this.sql.begin(async (tx) => {
      await tx`update collector_spans set last_beat_at = ${new Date(now)} where id = ${this.spanId} and last_beat_at >= ${new Date(this.claimed)}`;
      await this.endSpansAt(tx, losses);
    });
    this.ingest.acted(losses);
    this.spanId = null;
  }

  /**
   * Ends, 1 µs before the arrival of each lost report, every span that began before it and is recent
   * enough to be still running (ten beats: a running span's collector beat within three, and claims up
   * to a report pending at most three more). A running span's collector finds its span shorter than
   * it claimed at its next beat, and opens a new one: neither covers the arrival any more.
   */
  private async endSpansAt(tx: postgres.TransactionSql, losses: readonly number[]): Promise<void> {
    if (losses.length === 0) return;
    await tx`
      update collector_spans s set last_beat_at = least(s.last_beat_at, c.r) - interval '1 microsecond'
      from (select x.id, min(r.t) as r from collector_spans x
            join unnest(${losses.map((t) => new Date(t).toISOString())}::timestamptz[]) as r(t)
              on x.started_at <= r.t and x.last_beat_at > r.t - make_interval(secs => ${(this.beatMs * 10) / 1000})
            group by x.id) c
      where s.id = c.id`;
  }

  get observingSince(): number | null {
    return this.spanId === null ? null : this.lastBeat;
  }

  /**
   * Since when this collector and its database have observed without a break (the start of the
   * current span), or null when not observing right now (no span, no successful beat for more than
   * three beats, or a report lost for want of the database: the next beat will open a new span).
   */
  continuousSince(now: number): number | null {
    if (this.spanId === null || now - this.lastBeat > this.beatMs * 3 || this.ingest.losses().length) return null;
    return this.spanStart;
  }

  /**
   * Observation spans overlapping [from, to); our own open span counts as observing up to `to` (or the
   * arrival of the oldest report still being handled) while our beats succeed. After a stretch without
   * one (the database away, this query being the first to get through) it ends at the last beat: that
   * stretch was not observed. Reports lost that the beat has not acted on yet end the spans already.
   */
  async spans(from: number, to: number): Promise<Span[]> {
    const rows = await this.sql<
      { id: string; started_at: Date; last_beat_at: Date }[]
    >`select id::int8 as id, started_at, last_beat_at from collector_spans where last_beat_at >= ${new Date(from)} and started_at < ${new Date(to)}`;
    const observingNow = this.continuousSince(this.clock()) !== null;
    const spans = rows.map((r) => ({
      start: r.started_at.getTime(),
      end:
        Number(r.id) === this.spanId && observingNow
          ? Math.max(r.last_beat_at.getTime(), this.ingest.settledTo(to))
          : r.last_beat_at.getTime(),
    }));
    return cutAt(spans, this.ingest.losses());
  }
}
