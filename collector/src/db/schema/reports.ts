/** Scheduled reports: one row per (kind, period) delivered, inserted before the delivery is enqueued (so it happens once across collectors). */
import { pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

export const reportRuns = pgTable(
  'report_runs',
  {
    kind: text('kind').notNull(),
    period: text('period').notNull(),
    createdAt: ts('created_at').notNull(),
    /** The collector process that enqueued the delivery. */
    createdBy: text('created_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.period] })],
);
