/**
 * The report kinds: adding a report is one file (its pure builder) and one line here. Each kind says its
 * cadence (the period it covers) and what it reads (`fleet`: nodes and incidents; `program`: also
 * operators, applications, referrals and payouts).
 */
import type { ReportDoc } from './document.ts';
import type { FleetInput, ProgramInput } from './input.ts';
import { monthlyProgramReport } from './monthly-program.ts';
import type { Cadence, Period } from './period.ts';
import { weeklyFleetReport } from './weekly-fleet.ts';

export interface ReportKind<I extends FleetInput = FleetInput> {
  cadence: Cadence;
  reads: I extends ProgramInput ? 'program' : 'fleet';
  build(input: I, period: Period): ReportDoc;
}

export const REPORT_KINDS = {
  'weekly-fleet': { cadence: 'week', reads: 'fleet', build: weeklyFleetReport } satisfies ReportKind<FleetInput>,
  'monthly-program': { cadence: 'month', reads: 'program', build: monthlyProgramReport } satisfies ReportKind<ProgramInput>,
} as const;

export type ReportKindName = keyof typeof REPORT_KINDS;
export const REPORT_KIND_NAMES = Object.keys(REPORT_KINDS) as ReportKindName[];
export const isReportKind = (s: string): s is ReportKindName => Object.hasOwn(REPORT_KINDS, s);
