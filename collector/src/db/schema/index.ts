// Every table of the collector, one export line per schema file (drizzle-kit reads this).
export * from './fleet.ts';
export * from './samples.ts';
export * from './intervals.ts';
export * from './alerts.ts';
export * from './maintenance.ts';
export * from './rollups.ts';
export * from './enrollment.ts';
export * from './program.ts';
export * from './pay.ts';
export * from './reports.ts';
export * from './console.ts';
