/** Loads the golden wire fixtures (the contract both sides' tests read). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Report, ReportAck } from './wire/report.ts';

const dir = fileURLToPath(new URL('../fixtures/', import.meta.url));
const load = (name: string): unknown => JSON.parse(readFileSync(dir + name, 'utf8'));

export const fixtures = {
  report: (): Report => load('report.v1.json') as Report,
  ack: (): ReportAck => load('report-ack.v1.json') as ReportAck,
  /** Bodies the collector must refuse. `raw` cases are sent as-is (JSON.parse would drop `__proto__`). */
  invalidReports: (): Array<{ why: string; body?: unknown; raw?: string }> =>
    (load('report.v1.invalid.json') as { cases: Array<{ why: string; body?: unknown; raw?: string }> }).cases,
};
