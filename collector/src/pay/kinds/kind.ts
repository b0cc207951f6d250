/**
 * A line-item kind: one rule of a pay policy, with its own parameter schema and a pure compute
 * function. A kind returns *drafts* whose amounts are exact fractions of cents; the engine rounds
 * each draft once (money.ts `roundCents`). Adding a kind: one new file here, its test, one line in
 * registry.ts.
 */
import type { Static, TObject } from '@sinclair/typebox';
import type { IncidentEvidence, OperatorEvidence, Referral, TaskImport } from '../evidence.ts';
import type { Problem } from '../errors.ts';
import type { Exact } from '../money.ts';
import type { Month } from '../month.ts';
import type { LineItem, LineRefs, NodeFigures, Statement, UptimeFigures } from '../statement.ts';

export interface OperatorContext {
  subject: 'operator';
  month: Month;
  operator: OperatorEvidence['operator'];
  /** Days of the month the operator was active (active since … last active day). */
  activeDays: number;
  nodes: NodeFigures[];
  uptime: UptimeFigures;
  tasks: TaskImport[];
  incidents: IncidentEvidence[];
  /** The lines computed so far in this statement (policy order). */
  lines: readonly LineItem[];
}

export interface PartnerContext {
  subject: 'partner';
  month: Month;
  partner: { id: string };
  referrals: Referral[];
  referredStatements: Statement[];
  lines: readonly LineItem[];
}

export type PayContext = OperatorContext | PartnerContext;

export interface LineDraft {
  reason: string;
  amount: Exact;
  formula: string;
  refs: LineRefs;
  nodeId?: string;
}

/** What a kind may check beyond its schema. */
export interface ValidateContext {
  /** The version's tier names. */
  tiers: string[];
  /** Codes of the lines before this one in the version. */
  earlierCodes: string[];
  /** Codes of every operator line in the version (what a partner line can take a share of). */
  operatorCodes: string[];
}

export interface LineKind<S extends TObject = TObject, C extends PayContext = PayContext> {
  kind: string;
  subject: C['subject'];
  /** One sentence for people reading the policy. */
  summary: string;
  params: S;
  /** Cross-field rules; paths are relative to the line (`basisCodes[1]`). */
  validate?: (params: Static<S>, ctx: ValidateContext) => Problem[];
  /** No draft: the rule has nothing to say this month (not a quarter's end, no node beyond those included). */
  compute: (params: Static<S>, ctx: C) => LineDraft[];
}

export const defineOperatorKind = <S extends TObject>(def: LineKind<S, OperatorContext>) => def;
export const definePartnerKind = <S extends TObject>(def: LineKind<S, PartnerContext>) => def;
