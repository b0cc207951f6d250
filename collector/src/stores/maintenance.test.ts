/** The maintenance store on a real database: declare, list, withdraw (delete or cancel), and read back. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedTestDatabase } from '../../../test/support/pg.ts';
import { insertWindow, listWindows, loadMaintenance, withdrawWindow, type NewWindow } from './maintenance.ts';

let db: Awaited<ReturnType<typeof migratedTestDatabase>>;
const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 1, 12);
const window = (over: Partial<NewWindow>): NewWindow => ({
  scope: 'fleet',
  target: null,
  start: T0 + H,
  end: T0 + 2 * H,
  recurrence: null,
  until: null,
  declaredBy: 'lead',
  reason: 'upgrade',
  createdAt: T0,
  ...over,
});

beforeAll(async () => {
  db = await migratedTestDatabase('stores_maintenance');
});
afterAll(async () => {
  await db?.drop();
});

describe('maintenance store', () => {
  it('insertWindow gives the stored window back as domain values', async () => {
    const w = await insertWindow(db.sql, window({ scope: 'node', target: '7', recurrence: 'weekly', until: T0 + 30 * 24 * H }));
    expect(w).toEqual({
      id: expect.any(Number),
      scope: 'node',
      target: '7',
      start: T0 + H,
      end: T0 + 2 * H,
      recurrence: 'weekly',
      until: T0 + 30 * 24 * H,
      cancelledAt: null,
      declaredBy: 'lead',
      reason: 'upgrade',
      createdAt: T0,
    });
    expect(await listWindows(db.sql, 'node', 10)).toEqual([w]);
  });

  it('listWindows: newest first, of one scope or all, at most the limit', async () => {
    await insertWindow(db.sql, window({ start: T0 + 3 * H, end: T0 + 4 * H }));
    expect((await listWindows(db.sql, undefined, 10)).map((w) => w.start)).toEqual([T0 + 3 * H, T0 + H]);
    expect(await listWindows(db.sql, undefined, 1)).toHaveLength(1);
    expect(await listWindows(db.sql, 'region', 10)).toEqual([]);
  });

  it('withdrawWindow deletes a window not started, cancels one started (first cancel kept), null for none', async () => {
    const later = await insertWindow(db.sql, window({ scope: 'region', target: 'eu', start: T0 + 10 * H, end: T0 + 11 * H }));
    expect(await withdrawWindow(db.sql, later.id, T0, 'lead')).toEqual({ deleted: true, cancelledAt: null });
    expect(await listWindows(db.sql, 'region', 10)).toEqual([]);

    const running = await insertWindow(db.sql, window({ scope: 'region', target: 'us', start: T0, end: T0 + 5 * H }));
    expect(await withdrawWindow(db.sql, running.id, T0 + H, 'lead')).toEqual({ deleted: false, cancelledAt: T0 + H });
    expect(await withdrawWindow(db.sql, running.id, T0 + 2 * H, 'other')).toEqual({ deleted: false, cancelledAt: T0 + H });
    const [cancelled] = await db.sql`select cancelled_by from maintenance_windows where id = ${running.id}`;
    expect(cancelled!.cancelled_by).toBe('lead');
    expect(await withdrawWindow(db.sql, 999_999, T0, 'lead')).toBeNull();
  });

  it('loadMaintenance: the definitions (no creation time) that may overlap the span', async () => {
    const defs = await loadMaintenance(db.sql, T0 + 3 * H, T0 + 4 * H);
    expect(defs.map((d) => [d.scope, d.target, d.start])).toEqual([
      ['node', '7', T0 + H], // weekly: may recur in the span
      ['fleet', null, T0 + 3 * H], // not the region window: cancelled before the span
    ]);
    expect((await loadMaintenance(db.sql, T0, T0 + H)).map((d) => [d.target, d.cancelledAt])).toEqual([['us', T0 + H]]);
    expect(defs[0]).not.toHaveProperty('createdAt');
    expect(await loadMaintenance(db.sql, T0 + 5 * H, T0 + 6 * H)).toHaveLength(1);
  });
});
