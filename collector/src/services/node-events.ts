/**
 * Live node state changes, across collectors: migration 0017 makes PostgreSQL announce every change of
 * a node's settled state (`timmy_node_state`, NOTIFY on commit, the payload the whole event); each
 * collector listens on one connection and hands every change to the streams open on it
 * (routes/events.ts), which filter by who may see the node. Nobody polls the fleet: fleet-wide counts are
 * read once per second at most, and only after a change while a stream wants them.
 */
import type postgres from 'postgres';
import type { Logger } from 'pino';
import type { NodeStateEvent } from '@timmy/shared';
import { fleetStateCounts, type StateCounts } from '../stores/nodes.ts';
import { Refreshing } from './refreshing.ts';

export const NODE_STATE_CHANNEL = 'timmy_node_state';

/** One change as announced by the trigger: the stream's `state` event, and the node's operator id (who may see it). */
export type NodeStateChange = NodeStateEvent & { operatorId: number | null };

/** The announced JSON as a change; undefined for anything else on the channel. */
export function parseChange(payload: string): NodeStateChange | undefined {
  try {
    const p = JSON.parse(payload) as Record<string, unknown>;
    if (typeof p.nodeId !== 'number' || typeof p.node !== 'string' || typeof p.to !== 'string') return undefined;
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      nodeId: p.nodeId,
      node: p.node,
      operatorId: typeof p.operatorId === 'number' ? p.operatorId : null,
      operator: str(p.operator),
      region: str(p.region),
      from: str(p.from),
      to: p.to,
      at: typeof p.at === 'string' ? new Date(p.at).toISOString() : new Date().toISOString(),
      cause: str(p.cause),
    };
  } catch {
    return undefined;
  }
}

/**
 * A change as this collector received it. `id` orders the changes it received: the time it received it
 * (its clock, ms) × 1000 plus the change's place among those received in the same millisecond, so
 * `?since=<ms>` and an id compare (ms × 1000) and the stream's event ids never tie.
 */
export interface ReceivedChange {
  id: number;
  change: NodeStateChange;
}

/** The first id a change received at `ms` (this collector's clock) or later has. */
export const firstIdAt = (ms: number) => ms * 1000;

export type Subscriber = { change?: (c: ReceivedChange) => void; counts?: (c: { at: number; states: StateCounts }) => void };

/**
 * The changes kept for streams that open after them: a page opens its stream once drawn and asks for
 * what changed since the collector served it; a reconnecting EventSource asks from its Last-Event-ID.
 */
export const REPLAY_MS = 10 * 60_000;
export const REPLAY_MAX = 10_000;
const TRIM_STEP = 1024;

export class NodeEvents {
  private readonly subs = new Set<Subscriber>();
  /**
   * The last REPLAY_MS of changes (at most REPLAY_MAX), oldest first, from `head` on: the entries before
   * `head` are dropped already and removed in steps of TRIM_STEP (a splice moves every entry kept, and a
   * storm of changes, every node settling after a start, would otherwise move 10,000 entries per change).
   */
  private readonly recent: ReceivedChange[] = [];
  private head = 0;
  private listening: { unlisten: () => Promise<void> } | null = null;
  private countsDue: NodeJS.Timeout | null = null;
  private readonly sql: postgres.Sql;
  private readonly clock: () => number;
  private readonly log: Logger;
  /** At most one fleet-wide count per this many ms after changes. */
  countsEveryMs = 1000;
  /** The counts a new stream starts with: read at most once a second, however many streams open. */
  private readonly opening: Refreshing<{ at: number; states: StateCounts }>;

  constructor(sql: postgres.Sql, clock: () => number, log: Logger) {
    this.sql = sql;
    this.clock = clock;
    this.log = log;
    this.opening = new Refreshing(1000, () => this.counts());
  }

  /** Listens (resolves once listening; postgres.js listens again after a reconnect by itself). */
  async start(): Promise<void> {
    if (this.listening) return;
    this.listening = await this.sql.listen(NODE_STATE_CHANNEL, (payload) => this.deliver(payload));
  }

  async stop(): Promise<void> {
    if (this.countsDue) clearTimeout(this.countsDue);
    this.countsDue = null;
    const l = this.listening;
    this.listening = null;
    await l?.unlisten().catch(() => {});
  }

  subscribe(s: Subscriber): () => void {
    this.subs.add(s);
    return () => this.subs.delete(s);
  }

  get subscribers(): number {
    return this.subs.size;
  }

  /** Fleet-wide counts now. */
  async counts(): Promise<{ at: number; states: StateCounts }> {
    return { at: this.clock(), states: await fleetStateCounts(this.sql) };
  }

  /** The counts for a stream that opens (at most a second old; a change is followed by fresh counts anyway). */
  async openingCounts(): Promise<{ at: number; states: StateCounts }> {
    return (await this.opening.get(this.clock())).v;
  }

  /** The changes still kept whose id is after `afterId`, oldest first. */
  after(afterId: number): ReceivedChange[] {
    let i = this.recent.length;
    while (i > this.head && this.recent[i - 1]!.id > afterId) i--;
    return this.recent.slice(i);
  }

  private deliver(payload: string): void {
    const change = parseChange(payload);
    if (!change) return;
    const now = this.clock();
    const last = this.recent.at(-1)?.id ?? 0;
    const received = { id: Math.max(firstIdAt(now), last + 1), change };
    this.recent.push(received);
    const r = this.recent;
    while (this.head < r.length && (r.length - this.head > REPLAY_MAX || r[this.head]!.id < firstIdAt(now - REPLAY_MS))) this.head++;
    if (this.head >= TRIM_STEP) {
      r.splice(0, this.head);
      this.head = 0;
    }
    for (const s of this.subs) s.change?.(received);
    if (!this.countsDue && [...this.subs].some((s) => s.counts)) {
      this.countsDue = setTimeout(() => {
        this.countsDue = null;
        this.counts().then(
          (c) => {
            for (const s of this.subs) s.counts?.(c);
          },
          (e) => this.log.warn({ err: e }, 'fleet counts for the event streams failed'),
        );
      }, this.countsEveryMs);
      this.countsDue.unref();
    }
  }
}
