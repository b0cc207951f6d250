/**
 * The collector records its own observation: a span per process (and a new one after any stretch in
 * which it could not reach its database). Time outside every span is UNKNOWN for every node.
 */
import { randomBytes } from 'node:crypto';
import type postgres from 'postgres';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Span } from '../sla/types.ts';

export class ObservationRecorder {
  readonly instanceId = randomBytes(6).toString('hex');
  private spanId: number | null = null;
  private lastBeat = 0;
  private spanStart = 0;
  private readonly sql: postgres.Sql;
  private readonly clock: Clock;
  private readonly beatMs: number;
  private readonly log: Logger;
  /** Whether reports cannot be stored right now (the ingest writer's `blocked`): a beat then claims nothing. */
  private readonly ingestBlocked: () => boolean;

  constructor(sql: postgres.Sql, clock: Clock, beatMs: number, log: Logger, ingestBlocked: () => boolean = () => false) {
    this.sql = sql;
    this.clock = clock;
    this.beatMs = beatMs;
    this.log = log;
    this.ingestBlocked = ingestBlocked;
  }

  /** Opens a new span; the gap since anyone last observed gets recomputed for every node. */
  async open(): Promise<void> {
    const now = this.clock();
    await this.sql.begin(async (tx) => {
      const [prev] = await tx<{ t: Date | null }[]>`select max(last_beat_at) as t from collector_spans`;
      const [row] = await tx<
        { id: string }[]
      >`insert into collector_spans (instance_id, started_at, last_beat_at) values (${this.instanceId}, ${new Date(now)}, ${new Date(now)}) returning id::int8 as id`;
      this.spanId = Number(row!.id);
      const gapFrom = prev?.t ? prev.t.getTime() : null;
      if (gapFrom !== null && gapFrom < now) {
        await tx`update nodes set recompute_from = least(recompute_from, ${new Date(gapFrom)}) where current_state is not null`;
      }
    });
    this.lastBeat = now;
    this.spanStart = now;
  }

  /**
   * Called every beat. After a stretch without a successful beat (database away), opens a new span.
   * While reports cannot be stored (ingest failing or stalled, though this beat's own query might get
   * through), the beat fails: observing means being able to hear the nodes, not only reaching the database.
   */
  async beat(): Promise<void> {
    const now = this.clock();
    if (this.ingestBlocked()) throw new Error('not observing: reports cannot be stored right now');
    if (this.spanId === null || now - this.lastBeat > this.beatMs * 3) {
      this.log.warn({ sinceLastBeatMs: now - this.lastBeat }, 'observation gap: starting a new span; the gap is UNKNOWN time');
      await this.open();
      return;
    }
    await this.sql`update collector_spans set last_beat_at = ${new Date(now)} where id = ${this.spanId}`;
    this.lastBeat = now;
  }

  /** Closes our span at the last moment we know we observed (graceful stop). */
  async close(): Promise<void> {
    if (this.spanId === null) return;
    const now = this.clock();
    await this.sql`update collector_spans set last_beat_at = ${new Date(now)} where id = ${this.spanId}`;
    this.spanId = null;
  }

  get observingSince(): number | null {
    return this.spanId === null ? null : this.lastBeat;
  }

  /**
   * Since when this collector and its database have observed without a break (the start of the
   * current span), or null when not observing right now (no span, or no successful beat for more
   * than three beats: the database may be away, and the next beat will open a new span).
   */
  continuousSince(now: number): number | null {
    if (this.spanId === null || now - this.lastBeat > this.beatMs * 3) return null;
    return this.spanStart;
  }

  /**
   * Observation spans overlapping [from, to); our own open span counts as observing up to `to` while
   * our beats succeed. After a stretch without one (the database away, this query being the first
   * to get through) it ends at the last beat: that stretch was not observed.
   */
  async spans(from: number, to: number): Promise<Span[]> {
    const rows = await this.sql<
      { id: string; started_at: Date; last_beat_at: Date }[]
    >`select id::int8 as id, started_at, last_beat_at from collector_spans where last_beat_at >= ${new Date(from)} and started_at < ${new Date(to)}`;
    const observingNow = this.continuousSince(this.clock()) !== null;
    return rows.map((r) => ({
      start: r.started_at.getTime(),
      end: Number(r.id) === this.spanId && observingNow ? to : r.last_beat_at.getTime(),
    }));
  }
}
