/**
 * Declared maintenance windows. A window is one-off (`recurrence` null: [starts_at, ends_at)) or
 * recurring (`daily` / `weekly`: the first occurrence is [starts_at, ends_at), the next ones follow
 * every period until `until_at`). Scope: a node, an operator, a region or the whole fleet.
 *
 * Windows are evidence for pay: they are never edited. Deleting a window that has not started removes
 * it; deleting one that has started sets `cancelled_at`, which ends the running occurrence and drops
 * the later ones, so time already spent in maintenance stays MAINTENANCE. Applied at read time
 * (sla/maintenance.ts expands, sla/summary.ts applyMaintenance), never written into state_intervals.
 */
import { bigserial, index, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

export const maintenanceWindows = pgTable(
  'maintenance_windows',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** node | operator | region | fleet */
    scope: text('scope').notNull(),
    /** The node id, operator id or region name the window covers (null for the fleet). */
    target: text('target'),
    startsAt: ts('starts_at').notNull(),
    endsAt: ts('ends_at').notNull(),
    /** null (one-off) | daily | weekly */
    recurrence: text('recurrence'),
    /** Recurring windows: no occurrence starts at or after this time (null: open-ended). */
    untilAt: ts('until_at'),
    declaredBy: text('declared_by').notNull(),
    reason: text('reason').notNull(),
    createdAt: ts('created_at').notNull(),
    cancelledAt: ts('cancelled_at'),
    cancelledBy: text('cancelled_by'),
  },
  (t) => [index('maintenance_windows_scope_idx').on(t.scope, t.target), index('maintenance_windows_starts_idx').on(t.startsAt)],
);
