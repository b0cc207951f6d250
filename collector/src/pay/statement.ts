/**
 * The statement: what the pay engine produces for one operator or partner and one month. The one
 * definition (TypeBox); stored statements and the partner evidence (which carries the referred
 * operators' statements) use it. Only integers and strings: canonical JSON holds it byte-stable.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DAY_PATTERN, MONTH_PATTERN } from './month.ts';

const strict = { additionalProperties: false } as const;
/** An identifier (operator, node, incident, ...): any printable text, no control characters. */
export const Id = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
export const Code = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_]*$' });
export const MonthId = Type.String({ pattern: MONTH_PATTERN });
export const DayId = Type.String({ pattern: DAY_PATTERN });
export const EpochMs = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });
export const Seconds = Type.Integer({ minimum: 0, maximum: 31 * 86_400 });
export const Cents = Type.Integer({ minimum: -1_000_000_000_000, maximum: 1_000_000_000_000 });
/** A percentage as a string, truncated to 4 decimals ("99.9500"); null when nothing was observed. */
const RatioText = Type.Union([Type.String({ pattern: '^\\d{1,3}\\.\\d{4}$' }), Type.Null()]);

export const StateSeconds = Type.Object(
  { upSeconds: Seconds, downSeconds: Seconds, unknownSeconds: Seconds, maintenanceSeconds: Seconds },
  strict,
);
export type StateSeconds = Static<typeof StateSeconds>;

/** A stretch of ownership: [from, to) in ms epoch. */
export const OwnedRange = Type.Object({ from: EpochMs, to: EpochMs }, strict);

/** One node's month, as the statement shows it. */
export const NodeFigures = Type.Object(
  {
    nodeId: Id,
    owned: Type.Array(OwnedRange),
    ownedSeconds: Type.Integer({ minimum: 0 }),
    ownedDays: Type.String({ description: 'owned seconds / 86400, 2 decimals, truncated' }),
    upSeconds: Type.Integer({ minimum: 0 }),
    downSeconds: Type.Integer({ minimum: 0 }),
    unknownSeconds: Type.Integer({ minimum: 0 }),
    maintenanceSeconds: Type.Integer({ minimum: 0 }),
    uptimePct: RatioText,
    intervalsRef: Type.Optional(Type.String({ maxLength: 256 })),
  },
  strict,
);
export type NodeFigures = Static<typeof NodeFigures>;

export const UptimeFigures = Type.Object(
  {
    upSeconds: Type.Integer({ minimum: 0 }),
    downSeconds: Type.Integer({ minimum: 0 }),
    unknownSeconds: Type.Integer({ minimum: 0 }),
    maintenanceSeconds: Type.Integer({ minimum: 0 }),
    uptimePct: RatioText,
  },
  strict,
);
export type UptimeFigures = Static<typeof UptimeFigures>;

/** What a line item rests on: enough to find and recompute it. */
export const LineRefs = Type.Object(
  {
    nodes: Type.Optional(
      Type.Array(
        Type.Object(
          {
            nodeId: Id,
            owned: Type.Array(OwnedRange),
            upSeconds: Type.Integer(),
            downSeconds: Type.Integer(),
            intervalsRef: Type.Optional(Type.String()),
          },
          strict,
        ),
      ),
    ),
    uptime: Type.Optional(Type.Object({ upSeconds: Type.Integer(), downSeconds: Type.Integer(), uptimePct: RatioText }, strict)),
    incidents: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Id,
            severity: Type.String(),
            openedAt: EpochMs,
            acknowledgedAt: Type.Union([EpochMs, Type.Null()]),
            ackSeconds: Type.Union([Type.Integer(), Type.Null()]),
          },
          strict,
        ),
      ),
    ),
    taskImports: Type.Optional(
      Type.Array(Type.Object({ sourceId: Type.String(), assigned: Type.Integer(), completed: Type.Integer() }, strict)),
    ),
    lines: Type.Optional(Type.Array(Code, { description: 'codes of the earlier lines this one is computed from' })),
    statement: Type.Optional(Type.Object({ operatorId: Id, digest: Type.String(), monthOfService: Type.Integer() }, strict)),
    referrals: Type.Optional(Type.Array(Type.Object({ operatorId: Id, referredOn: DayId, qualifying: Type.Boolean() }, strict))),
    activeDays: Type.Optional(Type.Object({ days: Type.Integer(), of: Type.Integer() }, strict)),
    adjustment: Type.Optional(
      Type.Object(
        {
          id: Id,
          by: Id,
          note: Type.String(),
          corrects: Type.Optional(Type.Object({ month: MonthId, code: Type.Optional(Code) }, strict)),
        },
        strict,
      ),
    ),
  },
  strict,
);
export type LineRefs = Static<typeof LineRefs>;

export const LineItem = Type.Object(
  {
    code: Code,
    kind: Code,
    /** The policy line's label, for people. */
    label: Type.Optional(Type.String({ maxLength: 200 })),
    /** Why this amount: a stable reason code (e.g. `above_threshold`, `not_above_threshold`). */
    reason: Code,
    amountCents: Cents,
    nodeId: Type.Optional(Id),
    /** The arithmetic in words, so a reader can redo it by hand. */
    formula: Type.String(),
    refs: LineRefs,
  },
  strict,
);
export type LineItem = Static<typeof LineItem>;

/** The operator a month is paid for, as the evidence gives it and the statement's subject repeats it. */
export const OperatorFacts = Type.Object(
  {
    id: Id,
    tier: Code,
    /** Lifecycle state (certified, suspended, exited, ...): shown, not used in arithmetic. */
    lifecycle: Code,
    activeSince: DayId,
    /** The last active day of an exiting operator; null while active. */
    lastActiveDay: Type.Union([DayId, Type.Null()]),
  },
  strict,
);
export type OperatorFacts = Static<typeof OperatorFacts>;

export const StatementSubject = Type.Union([
  Type.Object({ kind: Type.Literal('operator'), ...OperatorFacts.properties }, strict),
  Type.Object({ kind: Type.Literal('partner'), id: Id }, strict),
]);
export type StatementSubject = Static<typeof StatementSubject>;

export const Statement = Type.Object(
  {
    engineVersion: Type.String(),
    policy: Type.Object({ id: Type.String(), version: Type.String(), digest: Type.String() }, strict),
    currency: Type.String(),
    month: MonthId,
    subject: StatementSubject,
    evidenceDigest: Type.String({ description: 'SHA-256 (hex) of the canonical JSON of the evidence' }),
    activeDays: Type.Object({ days: Type.Integer(), of: Type.Integer() }, strict),
    nodes: Type.Array(NodeFigures),
    uptime: UptimeFigures,
    lines: Type.Array(LineItem),
    totalCents: Cents,
  },
  strict,
);
export type Statement = Static<typeof Statement>;
