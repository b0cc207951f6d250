/**
 * What the observation beat must know of the reports this collector is handling (no I/O): a collector
 * observes a node only if a report the node sends it is stored at its arrival time. So the beat claims
 * no time after the arrival of a report whose fate is still open, and a report lost for want of the
 * database (not for its own fault) ends every observation span at its arrival (observation.ts): the
 * node spoke and the monitoring did not hear it, so what follows is UNKNOWN, never DOWN.
 *
 * Only the stages that wait on the database are watched (authentication, storing), from their start:
 * a client sending its body slowly holds nothing up.
 */
import type { Clock } from '../clock.ts';

export class IngestWatch {
  /** Reports in a watched stage, by ticket: their arrival, and when the stage began. */
  private readonly pending = new Map<number, { arrival: number; since: number }>();
  private ticket = 0;
  /** Arrivals of reports lost for want of the database, not yet acted on by the beat. */
  private readonly lost = new Set<number>();
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** A report that arrived at `arrival` enters a stage that waits on the database; call the result when it leaves it. */
  begin(arrival: number): () => void {
    const t = ++this.ticket;
    this.pending.set(t, { arrival, since: this.clock() });
    return () => {
      this.pending.delete(t);
    };
  }

  /** A report that arrived at `arrival` could not be stored for want of the database. */
  lose(arrival: number): void {
    this.lost.add(arrival);
  }

  /** Up to when everything that arrived is settled (stored, refused, or lost and recorded): `now`, or the oldest open arrival. */
  settledTo(now: number): number {
    let t = now;
    for (const p of this.pending.values()) if (p.arrival < t) t = p.arrival;
    return t;
  }

  /** Whether some report has been waiting on the database for more than `stalledMs` (a connection hanging on a primary going away). */
  stalled(now: number, stalledMs: number): boolean {
    for (const p of this.pending.values()) if (now - p.since > stalledMs) return true;
    return false;
  }

  /** The arrivals of the lost reports not yet acted on, oldest first. */
  losses(): number[] {
    return [...this.lost].sort((a, b) => a - b);
  }

  /** The beat has ended the spans at these arrivals (losses recorded meanwhile stay). */
  acted(arrivals: readonly number[]): void {
    for (const a of arrivals) this.lost.delete(a);
  }
}

/** Spans as they stand once cut at each lost arrival: a span covering one ends there. */
export function cutAt<S extends { start: number; end: number }>(spans: readonly S[], losses: readonly number[]): S[] {
  if (losses.length === 0) return [...spans];
  return spans.map((s) => {
    const r = losses.find((t) => t >= s.start && t < s.end);
    return r === undefined ? s : { ...s, end: r };
  });
}
