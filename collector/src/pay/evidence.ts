/**
 * What the pay engine reads for one subject and one month: the one definition of the evidence.
 * Times are ms epoch (UTC), durations whole seconds, days `YYYY-MM-DD`.
 *
 * Ownership follows dated transfers: a node appears with the spans during which *this* operator
 * owned it, each with its UP / DOWN / UNKNOWN / MAINTENANCE seconds inside that span. A span's `to`
 * is null while the node is still owned (the engine ends it at the month's end, or at the end of the
 * operator's last active day).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Cents, Code, DayId, EpochMs, Id, MonthId, OperatorFacts, Seconds, Statement } from './statement.ts';

const strict = { additionalProperties: false } as const;

export const OwnedSpan = Type.Object(
  {
    from: EpochMs,
    to: Type.Union([EpochMs, Type.Null()]),
    upSeconds: Seconds,
    downSeconds: Seconds,
    unknownSeconds: Seconds,
    maintenanceSeconds: Seconds,
  },
  strict,
);
export type OwnedSpan = Static<typeof OwnedSpan>;

export const NodeEvidence = Type.Object(
  {
    nodeId: Id,
    spans: Type.Array(OwnedSpan, { minItems: 1 }),
    /** Where the intervals behind these seconds can be found again (an id range, a digest): passed through. */
    intervalsRef: Type.Optional(Type.String({ maxLength: 256 })),
  },
  strict,
);
export type NodeEvidence = Static<typeof NodeEvidence>;

/** Task counts come from an import (never a guess); `sourceId` names the import. */
export const TaskImport = Type.Object(
  {
    sourceId: Type.String({ minLength: 1, maxLength: 256 }),
    assigned: Type.Integer({ minimum: 0 }),
    completed: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type TaskImport = Static<typeof TaskImport>;

export const IncidentEvidence = Type.Object(
  { id: Id, severity: Type.String({ minLength: 1, maxLength: 16 }), openedAt: EpochMs, acknowledgedAt: Type.Union([EpochMs, Type.Null()]) },
  strict,
);
export type IncidentEvidence = Static<typeof IncidentEvidence>;

/**
 * A correction decided by a person (a dispute's resolution, a fix to a closed month), paid in the
 * open month it is entered in: closed statements never change.
 */
export const Adjustment = Type.Object(
  {
    id: Id,
    amountCents: Cents,
    /** A stable reason code, e.g. `dispute_resolved`, `closed_month_correction`. */
    reason: Code,
    note: Type.String({ maxLength: 500 }),
    /** Who decided it. */
    by: Id,
    /** The month (and line) it corrects, if any. */
    corrects: Type.Optional(Type.Object({ month: MonthId, code: Type.Optional(Code) }, strict)),
  },
  strict,
);
export type Adjustment = Static<typeof Adjustment>;

export const OperatorEvidence = Type.Object(
  {
    subject: Type.Literal('operator'),
    operator: OperatorFacts,
    nodes: Type.Array(NodeEvidence),
    tasks: Type.Array(TaskImport),
    /** Critical incidents opened in the month on the operator's nodes. */
    incidents: Type.Array(IncidentEvidence),
    adjustments: Type.Optional(Type.Array(Adjustment)),
  },
  strict,
);
export type OperatorEvidence = Static<typeof OperatorEvidence>;

export const Referral = Type.Object({ operatorId: Id, referredOn: DayId, qualifying: Type.Boolean() }, strict);
export type Referral = Static<typeof Referral>;

export const PartnerEvidence = Type.Object(
  {
    subject: Type.Literal('partner'),
    partner: Type.Object({ id: Id }, strict),
    referrals: Type.Array(Referral),
    /** The referred operators' statements for the same month. */
    referredStatements: Type.Array(Statement),
    adjustments: Type.Optional(Type.Array(Adjustment)),
  },
  strict,
);
export type PartnerEvidence = Static<typeof PartnerEvidence>;

export const Evidence = Type.Union([OperatorEvidence, PartnerEvidence]);
export type Evidence = Static<typeof Evidence>;
