/**
 * What every rule kind is made of (one file per kind, listed once in registry.ts): its schema (the
 * fields every rule has, with the kind's defaults, plus its own), the default rules of that kind (only
 * what differs from the kind's defaults), and its condition, a pure function of the fleet state.
 */
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import type { OperatorInRegion } from '../../program/coverage.ts';
import { AlertSeverity, IncidentClass, type CheckStatus, type NodeState, type OperatorProjection } from '../types.ts';

export const MIN = 60_000;
export const DAY = 86_400_000;

const RuleId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9_.-]+$' });

/** The defaults a rule of the kind gets for the fields every rule has. */
export interface KindDefaults {
  severity: AlertSeverity;
  incidentClass: IncidentClass;
  forMs: number;
  cooldownMs: number;
}

/** The schema of one rule kind: the fields every rule has (with `defaults`) and the kind's own. */
export function ruleSchema<K extends string, P extends TProperties>(kind: K, defaults: KindDefaults, own: P) {
  return Type.Object(
    {
      kind: Type.Literal(kind),
      id: RuleId,
      enabled: Type.Boolean({ default: true }),
      severity: Type.Union(AlertSeverity.anyOf, { default: defaults.severity }),
      incidentClass: Type.Union(IncidentClass.anyOf, { default: defaults.incidentClass, description: IncidentClass.description }),
      forMs: Type.Integer({ minimum: 0, default: defaults.forMs }),
      cooldownMs: Type.Integer({ minimum: 0, default: defaults.cooldownMs }),
      ...own,
    },
    { additionalProperties: false },
  );
}

/** A node rule's verdict on one node: active (since when, if the data says), and what to tell. */
export interface NodeCondition {
  active: boolean;
  /** The data says when it began (last heartbeat, check since); otherwise observed by the state machine. */
  since?: number;
  summary: string;
}

export const CLEAR: NodeCondition = Object.freeze({ active: false, summary: '' });

/**
 * What the enabled rules can react to in the fleet's check data: the check statuses some check rule
 * fires on, and the lowest disk threshold. Anything else gives a clear condition whether it is read or
 * not, so the alert cycle reads only these (at fleet scale nearly every check is ok, every cycle).
 */
export interface FleetInterest {
  checkStatuses: CheckStatus[];
  /** null: no disk rule is enabled. */
  diskMinPct: number | null;
  /** Some region rule is enabled: read the operators' regions and lifecycle states (`FleetState.regionOperators`). */
  regions: boolean;
}

interface KindBase<S extends TObject> {
  schema: S;
  /** The default rules of this kind: their id and what differs from the kind's defaults. */
  defaults: Array<Partial<Static<S>> & { id: string }>;
  /** What a rule of this kind needs read of the fleet's checks (check statuses, disk figures). */
  interest?(rule: Static<S>): Partial<FleetInterest>;
  /** Waits the configured restart grace after the collector (or its database) came back before firing. */
  afterRestartGrace?: boolean;
}

export interface NodeRuleKind<S extends TObject = TObject> extends KindBase<S> {
  subject: 'node';
  condition(rule: Static<S>, node: NodeState, now: number): NodeCondition;
}

export interface OperatorRuleKind<S extends TObject = TObject> extends KindBase<S> {
  subject: 'operator';
  condition(rule: Static<S>, operator: OperatorProjection): { active: boolean; summary: string };
}

/** A region rule's verdict on one region. */
export interface RegionCondition {
  region: string;
  active: boolean;
  summary: string;
}

export interface RegionRuleKind<S extends TObject = TObject> extends KindBase<S> {
  subject: 'region';
  /** Every region the input names (a clear one included: the state machine skips those with no history). */
  condition(rule: Static<S>, operators: readonly OperatorInRegion[]): RegionCondition[];
}

/** Methods, not function properties: the registry lists kinds of different rule types as one type. */
export type RuleKindDefinition<S extends TObject = TObject> = NodeRuleKind<S> | OperatorRuleKind<S> | RegionRuleKind<S>;
