/**
 * The alert state carried between evaluations (`alert_instances`, one row per alert instance): read at
 * the start of a cycle, and only what changed written back in the cycle's transaction.
 */
import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import type { alertInstances, alertStateStamp } from '../db/schema/alerts.ts';
import type { AlertState } from './types.ts';

type AlertInstanceRow = Pick<typeof alertInstances.$inferSelect, 'key' | 'data'>;
type StampRow = Pick<typeof alertStateStamp.$inferSelect, 'writer' | 'seq'>;

/**
 * The alert state one evaluator keeps between its cycles. Every cycle's write stamps `alert_state_stamp`
 * (writer, seq) in the same transaction; the next cycle that finds its own stamp there knows nobody wrote
 * the instances since, and uses `state` instead of reading back every row (at 10,000 nodes offline, 10,000
 * JSON documents every 5 s). Another collector's cycle, or rows cleared, changes the stamp: the rows are
 * read again. `state` is set only once the cycle's transaction committed (AlertStateCache.committed).
 */
export class AlertStateCache {
  readonly writer = randomUUID();
  seq = 0;
  state: AlertState | null = null;
  /** Reads answered from memory, and from the table (a metric for tests and curious operators). */
  hits = 0;
  reads = 0;
}

/** The instances as the last committed cycle left them: from `cache` when its stamp is still the table's. */
export async function loadAlertState(sql: postgres.TransactionSql, cache?: AlertStateCache): Promise<AlertState> {
  if (cache?.state) {
    const [stamp] = await sql<StampRow[]>`select writer, seq from alert_state_stamp where id = 1`;
    if (stamp && stamp.writer === cache.writer && Number(stamp.seq) === cache.seq) {
      cache.hits++;
      return cache.state;
    }
  }
  if (cache) cache.reads++;
  const rows = await sql<AlertInstanceRow[]>`select key, data from alert_instances`;
  return Object.fromEntries(rows.map((r) => [r.key, r.data]));
}

/**
 * Equal once stored as jsonb: key order does not count (jsonb reorders keys) and a key whose value is
 * undefined is the same as no key (JSON drops it).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => sameJson(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let defined = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    defined++;
    if (!sameJson(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) defined--;
  return defined === 0;
}

/**
 * Writes what changed from `prev` to `next`. With a cache, also stamps the table and returns what to call
 * once the transaction has committed (then the cache holds `next`); a rolled-back cycle leaves the cache
 * as it was, and its stamp, never committed, is not found the next time. Without a cache the stamp is
 * removed, so no evaluator's cache outlives a write it did not make.
 */
export async function saveAlertState(
  sql: postgres.TransactionSql,
  prev: AlertState,
  next: AlertState,
  now: number,
  cache?: AlertStateCache,
): Promise<() => void> {
  await writeChanges(sql, prev, next, now);
  if (!cache) {
    // An evaluator without a cache still wrote: whichever cache holds the stamp no longer holds the rows.
    await sql`delete from alert_state_stamp`;
    return () => {};
  }
  const seq = cache.seq + 1;
  await sql`insert into alert_state_stamp (id, writer, seq) values (1, ${cache.writer}, ${seq})
            on conflict (id) do update set writer = excluded.writer, seq = excluded.seq`;
  return () => {
    cache.seq = seq;
    cache.state = next;
  };
}

async function writeChanges(sql: postgres.TransactionSql, prev: AlertState, next: AlertState, now: number): Promise<void> {
  const gone = Object.keys(prev).filter((k) => !(k in next));
  if (gone.length) await sql`delete from alert_instances where key = any(${gone}::text[])`;
  // Only what changed is written: at fleet scale nearly every instance is the same as last cycle.
  const changed = Object.values(next).filter((a) => !(a.key in prev) || !sameJson(prev[a.key], a));
  const at = new Date(now);
  for (let i = 0; i < changed.length; i += 500) {
    const rows = changed.slice(i, i + 500).map((a) => ({ key: a.key, phase: a.phase, data: sql.json(a as never), updated_at: at }));
    await sql`insert into alert_instances ${sql(rows)}
              on conflict (key) do update set phase = excluded.phase, data = excluded.data, updated_at = excluded.updated_at`;
  }
}
