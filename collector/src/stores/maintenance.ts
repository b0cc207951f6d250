/** The maintenance_windows table: declare, list, withdraw (delete or cancel), and the windows a read needs. */
import type postgres from 'postgres';
import type { maintenanceWindows } from '../db/schema/index.ts';
import { PERIOD_MS, type MaintenanceDef, type MaintenanceScope } from '../sla/maintenance.ts';

/** A declared window as stored: its definition and when it was declared (ms since the epoch). */
export type StoredWindow = MaintenanceDef & { createdAt: number };
/** A new declaration: what the caller decides; the id and cancellation come from the store. */
export type NewWindow = Omit<StoredWindow, 'id' | 'cancelledAt'>;

/**
 * The row as postgres.js reads it (int8 as an exact string, timestamps as Dates); `scope` and
 * `recurrence` hold the pure core's names (the declaring route accepts nothing else).
 */
type WindowRow = Pick<
  typeof maintenanceWindows.$inferSelect,
  'target' | 'startsAt' | 'endsAt' | 'untilAt' | 'cancelledAt' | 'declaredBy' | 'reason' | 'createdAt'
> & { id: string; scope: MaintenanceDef['scope']; recurrence: MaintenanceDef['recurrence'] };

const COLUMNS = (sql: postgres.ISql) => sql`
  id, scope, target, starts_at as "startsAt", ends_at as "endsAt", recurrence, until_at as "untilAt",
  cancelled_at as "cancelledAt", declared_by as "declaredBy", reason, created_at as "createdAt"`;

const ms = (d: Date | null) => (d === null ? null : d.getTime());
const def = (r: WindowRow): MaintenanceDef => ({
  id: Number(r.id),
  scope: r.scope,
  target: r.target,
  start: r.startsAt.getTime(),
  end: r.endsAt.getTime(),
  recurrence: r.recurrence,
  until: ms(r.untilAt),
  cancelledAt: ms(r.cancelledAt),
  declaredBy: r.declaredBy,
  reason: r.reason,
});
const stored = (r: WindowRow): StoredWindow => ({ ...def(r), createdAt: r.createdAt.getTime() });

export async function insertWindow(sql: postgres.ISql, w: NewWindow): Promise<StoredWindow> {
  const [row] = await sql<WindowRow[]>`
    insert into maintenance_windows (scope, target, starts_at, ends_at, recurrence, until_at, declared_by, reason, created_at)
    values (${w.scope}, ${w.target}, ${new Date(w.start)}, ${new Date(w.end)}, ${w.recurrence}, ${w.until === null ? null : new Date(w.until)},
      ${w.declaredBy}, ${w.reason}, ${new Date(w.createdAt)})
    returning ${COLUMNS(sql)}`;
  return stored(row!);
}

/** Declared windows (of one scope, or all), newest first, cancelled ones included; at most `limit`. */
export async function listWindows(sql: postgres.ISql, scope: MaintenanceScope | undefined, limit: number): Promise<StoredWindow[]> {
  const rows = await sql<WindowRow[]>`
    select ${COLUMNS(sql)} from maintenance_windows ${scope ? sql`where scope = ${scope}` : sql``}
    order by starts_at desc, id desc limit ${limit}`;
  return rows.map(stored);
}

/**
 * Withdraws a window at `now`: one that has not started is deleted; one that has is cancelled (time
 * already spent stays MAINTENANCE; a second cancel keeps the first time and author). Null: no such window.
 */
export async function withdrawWindow(
  sql: postgres.ISql,
  id: number,
  now: number,
  by: string,
): Promise<{ deleted: true; cancelledAt: null } | { deleted: false; cancelledAt: number } | null> {
  const at = new Date(now);
  const deleted = await sql`delete from maintenance_windows where id = ${id} and starts_at > ${at} returning id`;
  if (deleted.length) return { deleted: true, cancelledAt: null };
  const [row] = await sql<Array<Pick<WindowRow, 'cancelledAt'>>>`
    update maintenance_windows set cancelled_at = coalesce(cancelled_at, ${at}), cancelled_by = coalesce(cancelled_by, ${by})
    where id = ${id} returning cancelled_at as "cancelledAt"`;
  if (!row?.cancelledAt) return null;
  return { deleted: false, cancelledAt: row.cancelledAt.getTime() };
}

/** Maintenance windows that may have occurrences overlapping [from, to) (expansion clips exactly). */
export async function loadMaintenance(sql: postgres.ISql, from: number, to: number): Promise<MaintenanceDef[]> {
  const rows = await sql<WindowRow[]>`
    select ${COLUMNS(sql)}
    from maintenance_windows
    where starts_at < ${new Date(to)}
      and (recurrence is not null or ends_at > ${new Date(from)})
      and (cancelled_at is null or cancelled_at > ${new Date(from)})
      and (until_at is null or until_at > ${new Date(from - PERIOD_MS.weekly)})
    order by starts_at, id`;
  return rows.map(def);
}
