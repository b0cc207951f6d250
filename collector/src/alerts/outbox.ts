/**
 * The durable notification outbox.
 *
 * Pure parts first: the idempotency key of a (incident, transition, channel), the retry delay
 * (@timmy/shared's retry module, the agent's too: full-jitter backoff, Retry-After honoured, capped)
 * and the state machine
 *   pending --claim--> sending --2xx--> sent
 *                         |--retryable failure--> pending (next attempt later)
 *                         |--permanent failure, or retrying longer than maxAgeMs--> dead
 *                         '--lease expired (process killed mid-send)--> claimable again
 * A claim's lease is never shorter than its longest send (the channel's timeout) plus a margin: a
 * live dispatcher still waiting on a slow receiver keeps its rows (a shorter lease let a second
 * collector send them again). Only the holder of the claim records the outcome (its worker id and
 * attempt number fence the update): one whose lease ran out anyway writes nothing over the new holder.
 *
 * Then the PostgreSQL side: rows are inserted in the same transaction as the incident change they
 * announce (ON CONFLICT on the idempotency key: enqueueing twice is a no-op), claimed in one
 * statement with `FOR UPDATE SKIP LOCKED` plus a lease, so several collector processes deliver each
 * row once. A row is claimable only when no earlier row of the same (incident, channel) is still
 * pending or sending: the resolved notification follows the opened one, never overtakes it.
 *
 * Exactly once towards a receiver holds except in one window no outbox can close: a process killed
 * after the receiver accepted and before the row was marked sent re-delivers after the lease. Every
 * request carries the idempotency key (`Idempotency-Key` header for the webhook; PagerDuty's
 * dedup_key) so receivers can drop that duplicate.
 */
import { retryDelay, type NotificationStatus } from '@timmy/shared';
import type { alertNotifications } from '../db/schema/alerts.ts';
import type { DeliveryResult, Notification, NotificationTransition } from './channels/channel.ts';
import type { Sql } from './incident-store.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.ts';

// The policy lives apart (no database code): config validation needs it, and loads nothing of this file.
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.ts';

export function idempotencyKey(incidentId: string, transitionId: string | number, channel: string): string {
  return `${incidentId}/${transitionId}/${channel}`;
}

export type OutboxStatus = NotificationStatus;

export type AttemptOutcome =
  | { status: 'sent' | 'skipped'; lastStatus: number | null }
  | { status: 'pending'; nextAttemptAt: number; lastStatus: number | null; error: string }
  | { status: 'dead'; lastStatus: number | null; error: string };

/** What a row becomes after an attempt (its `attempts` already counts this one). */
export function afterAttempt(
  row: { attempts: number; createdAt: number },
  result: DeliveryResult,
  now: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  rand: () => number = Math.random,
): AttemptOutcome {
  if (result.ok) return { status: result.skipped ? 'skipped' : 'sent', lastStatus: result.status ?? null };
  const lastStatus = result.status ?? null;
  if (!result.retryable) return { status: 'dead', lastStatus, error: result.error };
  const next = now + retryDelay(row.attempts, policy, rand, result.retryAfterMs);
  if (next - row.createdAt > policy.maxAgeMs)
    return { status: 'dead', lastStatus, error: `gave up after ${row.attempts} attempts: ${result.error}` };
  return { status: 'pending', nextAttemptAt: next, lastStatus, error: result.error };
}

/** What a claim's lease must cover beyond the longest send: recording the outcome on a busy database. */
export const LEASE_MARGIN_MS = 5_000;

/**
 * The lease for a round's claim: the policy's, or longer when a send may take longer (a channel's
 * timeout plus LEASE_MARGIN_MS), so that a live dispatcher's row is never taken over mid-send.
 */
export function leaseFor(policy: Pick<RetryPolicy, 'leaseMs'>, channelTimeoutsMs: Iterable<number | undefined>): number {
  let longest = 0;
  for (const t of channelTimeoutsMs) longest = Math.max(longest, t ?? 0);
  return Math.max(policy.leaseMs, longest + LEASE_MARGIN_MS);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export interface EnqueueItem {
  incidentId: string;
  /** Identifies the transition: the incident event id, or a fixed name for once-only ones. */
  transitionId: string | number;
  channel: string;
  notification: Omit<Notification, 'idempotencyKey'>;
  eventId?: number | null;
}

export interface ClaimedNotification {
  id: number;
  idempotencyKey: string;
  incidentId: string;
  channel: string;
  transition: NotificationTransition;
  notification: Notification;
  attempts: number;
  createdAt: number;
}

export interface OutboxCounts {
  pending: number;
  sending: number;
  sent: number;
  skipped: number;
  dead: number;
  /** Age of the oldest row still pending or sending (ms); 0 when none. */
  oldestPendingAgeMs: number;
}

type NotificationRow = typeof alertNotifications.$inferSelect;
type ClaimedRow = Pick<
  NotificationRow,
  'id' | 'idempotencyKey' | 'incidentId' | 'channel' | 'transition' | 'payload' | 'attempts' | 'createdAt'
>;

/** A row of the outbox as the API lists it. */
export type NotificationListRow = Pick<
  NotificationRow,
  | 'id'
  | 'idempotencyKey'
  | 'incidentId'
  | 'channel'
  | 'transition'
  | 'status'
  | 'attempts'
  | 'createdAt'
  | 'nextAttemptAt'
  | 'sentAt'
  | 'lastStatus'
  | 'lastError'
>;

export interface NotificationFilter {
  /** One of OutboxStatus (another matches nothing). */
  status?: string;
  incidentId?: string;
  channel?: string;
  limit?: number;
}

/** The outbox, newest first (the API and the CLI). */
export function listNotifications(sql: Sql, f: NotificationFilter = {}): Promise<NotificationListRow[]> {
  const conds = [sql`true`];
  if (f.status) conds.push(sql`status = ${f.status}`);
  if (f.incidentId) conds.push(sql`incident_id = ${f.incidentId}`);
  if (f.channel) conds.push(sql`channel = ${f.channel}`);
  return sql<NotificationListRow[]>`
    select id::float8 as id, idempotency_key as "idempotencyKey", incident_id as "incidentId", channel, transition, status, attempts,
           created_at as "createdAt", next_attempt_at as "nextAttemptAt", sent_at as "sentAt", last_status as "lastStatus", last_error as "lastError"
      from alert_notifications where ${conds.reduce((a, c) => sql`${a} and ${c}`)} order by id desc limit ${f.limit ?? 100}`;
}

export class Outbox {
  readonly sql: Sql;
  readonly workerId: string;
  readonly policy: RetryPolicy;
  readonly rand: () => number;

  constructor(sql: Sql, opts: { workerId: string; policy?: RetryPolicy; rand?: () => number }) {
    this.sql = sql;
    this.workerId = opts.workerId;
    this.policy = opts.policy ?? DEFAULT_RETRY_POLICY;
    this.rand = opts.rand ?? Math.random;
  }

  /** Insert rows (pass a transaction as `sql` to commit them with the incident change). Returns the new ones. */
  async enqueue(items: EnqueueItem[], now: number, sql: Sql = this.sql): Promise<number> {
    if (!items.length) return 0;
    const at = new Date(now);
    const rows = items.map((it) => {
      const key = idempotencyKey(it.incidentId, it.transitionId, it.channel);
      return {
        idempotency_key: key,
        incident_id: it.incidentId,
        channel: it.channel,
        transition: it.notification.transition,
        payload: sql.json({ ...it.notification, idempotencyKey: key } as never),
        status: 'pending',
        attempts: 0,
        created_at: at,
        next_attempt_at: at,
        event_id: it.eventId ?? null,
      };
    });
    const inserted = await sql`insert into alert_notifications ${sql(rows)} on conflict (idempotency_key) do nothing returning id`;
    return inserted.length;
  }

  /**
   * Claim up to `limit` due rows for this worker (one statement; safe with concurrent dispatchers), for
   * `leaseMs` (the policy's unless longer: see `leaseFor`).
   */
  async claim(now: number, limit = 50, leaseMs = this.policy.leaseMs): Promise<ClaimedNotification[]> {
    const sql = this.sql;
    const at = new Date(now);
    const until = new Date(now + Math.max(leaseMs, this.policy.leaseMs));
    const rows = await sql<ClaimedRow[]>`
      update alert_notifications n
         set status = 'sending', claimed_by = ${this.workerId}, claimed_until = ${until}, attempts = n.attempts + 1
       where n.id in (
         select c.id from alert_notifications c
          where ((c.status = 'pending' and c.next_attempt_at <= ${at})
              or (c.status = 'sending' and c.claimed_until <= ${at}))
            and not exists (
              select 1 from alert_notifications p
               where p.incident_id = c.incident_id and p.channel = c.channel and p.id < c.id
                 and p.status in ('pending', 'sending'))
          order by c.id
          limit ${limit}
          for update skip locked)
      returning n.id::float8 as id, n.idempotency_key as "idempotencyKey", n.incident_id as "incidentId", n.channel, n.transition,
                n.payload, n.attempts, n.created_at as "createdAt"
    `;
    return rows
      .map((r) => ({
        id: r.id,
        idempotencyKey: r.idempotencyKey,
        incidentId: r.incidentId,
        channel: r.channel,
        transition: r.transition,
        notification: r.payload,
        attempts: r.attempts,
        createdAt: r.createdAt.getTime(),
      }))
      .sort((a, b) => a.id - b.id);
  }

  /**
   * Record an attempt's result. Returns the outcome written, or null when this worker no longer holds
   * the claim (its lease ran out and the row was claimed again, or settled): nothing is written then.
   */
  async complete(row: ClaimedNotification, result: DeliveryResult, now: number): Promise<AttemptOutcome | null> {
    const sql = this.sql;
    const out = afterAttempt(row, result, now, this.policy, this.rand);
    const at = new Date(now);
    const error = 'error' in out ? out.error.slice(0, 500) : null;
    const written = await sql`
      update alert_notifications
         set status = ${out.status},
             sent_at = ${out.status === 'sent' || out.status === 'skipped' ? at : null},
             next_attempt_at = ${out.status === 'pending' ? new Date(out.nextAttemptAt) : at},
             last_status = ${out.lastStatus},
             last_error = ${error},
             claimed_by = null,
             claimed_until = null
       where id = ${row.id} and status = 'sending' and claimed_by = ${this.workerId} and attempts = ${row.attempts}
    `;
    return written.count === 1 ? out : null;
  }

  /** When the next claimable row is due (ms), or null: lets a scheduler sleep until then. */
  async nextDueAt(): Promise<number | null> {
    const [row] = await this.sql<Array<{ due: Date | null }>>`
      select min(case when c.status = 'pending' then c.next_attempt_at else c.claimed_until end) as due
        from alert_notifications c
       where c.status in ('pending', 'sending')
         and not exists (
           select 1 from alert_notifications p
            where p.incident_id = c.incident_id and p.channel = c.channel and p.id < c.id
              and p.status in ('pending', 'sending'))
    `;
    return row?.due ? row.due.getTime() : null;
  }

  async counts(now: number): Promise<OutboxCounts> {
    const rows = await this.sql<Array<{ status: OutboxStatus; n: number; oldest: Date | null }>>`
      select status, count(*)::int4 as n, min(created_at) as oldest
        from alert_notifications group by status
    `;
    const c: OutboxCounts = { pending: 0, sending: 0, sent: 0, skipped: 0, dead: 0, oldestPendingAgeMs: 0 };
    for (const r of rows) {
      if (r.status in c) c[r.status] = r.n;
      if ((r.status === 'pending' || r.status === 'sending') && r.oldest)
        c.oldestPendingAgeMs = Math.max(c.oldestPendingAgeMs, now - r.oldest.getTime());
    }
    return c;
  }
}
