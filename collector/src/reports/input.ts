/**
 * What the reports are computed from: plain records the shell reads from the database. Pure types and
 * small helpers shared by the report kinds.
 */
import type { Incident } from '../alerts/incidents.ts';
import { addTotals, ratioOfTotals, ZERO_TOTALS, type Totals } from '../sla/budget.ts';

/** A node; incidents name nodes and operators by name. */
export interface NodeRecord {
  id: string;
  name: string;
  operator: string | null;
  tier: string | null;
  region: string | null;
  /** Interval totals over the report's uptime window, maintenance already set apart. */
  totals: Totals;
  /** Resource use over the period from the hourly rollups; null fields when nothing was sampled. */
  usage: { load1Avg: number | null; memPctAvg: number | null; diskPctMax: number | null };
}

export interface OperatorRecord {
  name: string;
  tier: string;
  /** Lifecycle state at the end of the period. */
  state: string;
  /** Serving at the period's start (certified, senior, fleet lead or on probation). */
  servingAtStart: boolean;
  /** Left the program (terminated or withdrew) during the period. */
  leftInPeriod: boolean;
}

export interface ApplicationRecord {
  submittedAt: number;
  /** The partner whose referral code the application carried; null for a direct application. */
  partner: string | null;
}

export interface ReferralRecord {
  partner: string;
  operator: string;
  state: string;
  referredAt: number;
}

export interface PayoutLine {
  kind: string;
  amountCents: number;
}

export interface FleetInput {
  nodes: NodeRecord[];
  /** Incidents opened in the period (others are ignored). */
  incidents: Incident[];
}

export interface ProgramInput extends FleetInput {
  operators: OperatorRecord[];
  applications: ApplicationRecord[];
  referrals: ReferralRecord[];
  /** Every line of the month's statements (operators' and partners'). */
  payouts: { final: boolean; currency: string; lines: PayoutLine[] };
}

/** Uptime in percent with two decimals (maintenance excluded, unknown time not counted), null without data. */
export function uptimePct(t: Totals): number | null {
  const r = ratioOfTotals(t);
  return r === null ? null : Math.round(r * 10_000) / 100;
}

export const sumTotals = (ts: Totals[]): Totals => ts.reduce(addTotals, ZERO_TOTALS);

export const hours = (ms: number | null): number | null => (ms === null ? null : Math.round(ms / 36_000) / 100);

export const iso = (t: number) => new Date(t).toISOString();

export const inPeriod = (t: number, p: { start: number; end: number }) => t >= p.start && t < p.end;

/** The incidents opened in the period, without those absorbed into a P0/P1 (the absorbing one carries their time). */
export const periodIncidents = (incidents: Incident[], p: { start: number; end: number }) =>
  incidents.filter((i) => inPeriod(i.openedAt, p) && !i.absorbedInto);

export const round2 = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);
