/**
 * The alert state carried between evaluations (`alert_instances`, one row per alert instance): read at
 * the start of a cycle, and only what changed written back in the cycle's transaction.
 */
import type postgres from 'postgres';
import type { alertInstances } from '../db/schema/alerts.ts';
import type { AlertState } from './types.ts';

type AlertInstanceRow = Pick<typeof alertInstances.$inferSelect, 'key' | 'data'>;

export async function loadAlertState(sql: postgres.TransactionSql): Promise<AlertState> {
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

export async function saveAlertState(sql: postgres.TransactionSql, prev: AlertState, next: AlertState, now: number): Promise<void> {
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
