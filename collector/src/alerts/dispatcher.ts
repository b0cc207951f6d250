/**
 * The dispatcher job: claim due notifications from the outbox, send each through its channel,
 * record the outcome. Safe to run in several collector processes at once (the claim is
 * `FOR UPDATE SKIP LOCKED` with a lease). Schedule it every second or so; it does one round.
 */
import type { Channel } from './channels/channel.ts';
import type { AlertMetrics } from './metrics.ts';
import type { Sql } from './incident-store.ts';
import { Outbox, leaseFor, type RetryPolicy } from './outbox.ts';

export interface DispatcherLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface DispatchOptions {
  sql: Sql;
  channels: Map<string, Channel>;
  /** ms epoch; the time this round runs at. */
  now: number;
  log?: DispatcherLog;
  workerId?: string;
  limit?: number;
  policy?: RetryPolicy;
  metrics?: AlertMetrics;
  /** Reuse one Outbox across rounds (and inject `rand` in tests). */
  outbox?: Outbox;
}

export interface DispatchResult {
  claimed: number;
  sent: number;
  retrying: number;
  dead: number;
  skipped: number;
  /** Sends whose claim ran out before their outcome was recorded (another dispatcher holds the row). */
  lost: number;
}

const quiet: DispatcherLog = { info: () => {}, warn: () => {} };

export async function runDispatcher(opts: DispatchOptions): Promise<DispatchResult> {
  const log = opts.log ?? quiet;
  const outbox =
    opts.outbox ??
    new Outbox(opts.sql, { workerId: opts.workerId ?? `pid-${process.pid}`, ...(opts.policy ? { policy: opts.policy } : {}) });
  const lease = leaseFor(
    outbox.policy,
    [...opts.channels.values()].map((c) => c.timeoutMs),
  );
  const claimed = await outbox.claim(opts.now, opts.limit ?? 50, lease);
  const result: DispatchResult = { claimed: claimed.length, sent: 0, retrying: 0, dead: 0, skipped: 0, lost: 0 };
  await Promise.all(
    claimed.map(async (row) => {
      const ch = opts.channels.get(row.channel);
      const delivery = ch
        ? await ch.send(row.notification).catch((e: unknown) => ({
            ok: false as const,
            retryable: true,
            error: `channel error: ${(e as { code?: string }).code ?? 'unexpected'}`,
          }))
        : { ok: false as const, retryable: false, error: 'unknown channel' };
      const out = await outbox.complete(row, delivery, opts.now);
      const fields = {
        channel: row.channel,
        incidentId: row.incidentId,
        transition: row.transition,
        key: row.idempotencyKey,
        attempts: row.attempts,
      };
      if (!out) {
        result.lost++;
        log.warn({ ...fields, leaseMs: lease }, 'notification claim lost before its outcome was recorded (lease ran out)');
        return;
      }
      opts.metrics?.recordAttempt(row.channel, out.status);
      if (out.status === 'sent') result.sent++;
      else if (out.status === 'skipped') result.skipped++;
      else if (out.status === 'pending') {
        result.retrying++;
        log.warn(
          { ...fields, error: out.error, nextAttemptAt: new Date(out.nextAttemptAt).toISOString() },
          'notification failed, will retry',
        );
      } else if (out.status === 'dead') {
        result.dead++;
        log.warn({ ...fields, error: out.error }, 'notification given up');
      }
    }),
  );
  if (opts.metrics) opts.metrics.setOutbox(await outbox.counts(opts.now));
  if (result.claimed) log.info(result, 'dispatch round');
  return result;
}
