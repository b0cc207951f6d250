export * from './wire/common.ts';
export * from './wire/report.ts';
export * from './wire/enroll.ts';
export * from './validate.ts';
export * from './fixtures.ts';
export * from './retry.ts';
export * from './errors.ts';
export * from './wire/incident.ts';
