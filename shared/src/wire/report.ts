/**
 * Wire contract v1: what an agent pushes (`Report`) and what the collector answers (`ReportAck`).
 * The one definition of these messages: both sides import the schemas and their `Static<>` types.
 *
 * Identity: the node is the one the bearer credential belongs to. Nothing in the body names a node,
 * and `additionalProperties: false` refuses a body that tries.
 *
 * Idempotency: every sample carries `seq`, strictly increasing per (node, stream). `stream` is a random
 * id the agent creates with its state directory, so a reinstalled agent that restarts at seq 1 is a new
 * stream and is not mistaken for duplicates. The collector stores (node, stream, seq) once.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CheckStatus, EpochMs, INT4_MAX, MAX_WIRE_INTEGER, Name, REAL_MAX, Text } from './common.ts';

export const WIRE_VERSION = 1 as const;

/** A check's measured values: flat, small, typed. Numbers fit PostgreSQL `real` (some are stored as one). */
export const CheckValues = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9_.]{1,64}$' }),
  Type.Union([Type.Number({ minimum: -REAL_MAX, maximum: REAL_MAX }), Text({ maxLength: 1024 }), Type.Boolean(), Type.Null()]),
  { maxProperties: 64 },
);
export type CheckValues = Static<typeof CheckValues>;

export const CheckResult = Type.Object(
  {
    name: Name,
    probe: Name,
    status: CheckStatus,
    message: Text({ maxLength: 2048 }),
    slaCritical: Type.Boolean({ description: 'a failure of this check makes the node DOWN' }),
    values: Type.Optional(CheckValues),
    durationMs: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type CheckResult = Static<typeof CheckResult>;

export const DiskUsage = Type.Object(
  {
    mount: Text({ minLength: 1, maxLength: 512 }),
    totalBytes: Type.Number({ minimum: 0 }),
    freeBytes: Type.Number({ minimum: 0 }),
    usedPct: Type.Number({ minimum: 0, maximum: 100 }),
    inodesUsedPct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  },
  { additionalProperties: false },
);
export type DiskUsage = Static<typeof DiskUsage>;

/** The agent's own footprint and the host facts that make quick reboots visible. */
export const Heartbeat = Type.Object(
  {
    bootId: Text({ minLength: 1, maxLength: 64 }),
    uptimeS: Type.Number({ minimum: 0, description: 'system uptime in seconds' }),
    agentRssBytes: Type.Number({
      minimum: 0,
      maximum: INT4_MAX * 1024,
      description: 'stored in KiB as a PostgreSQL integer: at most 2 TiB',
    }),
    agentCpuSeconds: Type.Number({ minimum: 0, description: 'cumulative CPU time of the agent (user+system)' }),
    clockOffsetMs: Type.Optional(Type.Number({ description: "agent's estimate of (its clock - collector clock)" })),
  },
  { additionalProperties: false },
);
export type Heartbeat = Static<typeof Heartbeat>;

/** One sampling cycle. Every sample is a heartbeat; checks and disks appear when their probes ran. */
export const Sample = Type.Object(
  {
    seq: Type.Integer({ minimum: 1, maximum: MAX_WIRE_INTEGER, description: 'at most 2^53 - 1 (exact in JSON)' }),
    ts: EpochMs,
    heartbeat: Heartbeat,
    disks: Type.Optional(Type.Array(DiskUsage, { maxItems: 64 })),
    checks: Type.Optional(Type.Array(CheckResult, { maxItems: 256 })),
  },
  { additionalProperties: false },
);
export type Sample = Static<typeof Sample>;

/** Static facts about the host, sent at start and on change. */
export const Inventory = Type.Object(
  {
    hostname: Text({ maxLength: 255 }),
    os: Type.Optional(Text({ maxLength: 255 })),
    kernel: Type.Optional(Text({ maxLength: 255 })),
    arch: Type.Optional(Text({ maxLength: 64 })),
    cpuModel: Type.Optional(Text({ maxLength: 255 })),
    cpuCores: Type.Optional(Type.Integer({ minimum: 0 })),
    memBytes: Type.Optional(Type.Number({ minimum: 0 })),
    virtualization: Type.Optional(Text({ maxLength: 64 })),
    disks: Type.Optional(
      Type.Array(
        Type.Object({ device: Text({ maxLength: 255 }), sizeBytes: Type.Number({ minimum: 0 }) }, { additionalProperties: false }),
        { maxItems: 64 },
      ),
    ),
  },
  { additionalProperties: false },
);
export type Inventory = Static<typeof Inventory>;

export const Report = Type.Object(
  {
    v: Type.Literal(WIRE_VERSION),
    stream: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    agentVersion: Text({ minLength: 1, maxLength: 64 }),
    sentAt: EpochMs,
    samples: Type.Array(Sample, { minItems: 1, maxItems: 5000 }),
    inventory: Type.Optional(Inventory),
  },
  { $id: 'Report', additionalProperties: false },
);
export type Report = Static<typeof Report>;

export const SampleRejection = Type.Object(
  {
    seq: Type.Integer(),
    code: Type.String(),
    message: Type.String(),
  },
  { additionalProperties: false },
);
export type SampleRejection = Static<typeof SampleRejection>;

/** The collector's answer, sent only after the samples are committed. */
export const ReportAck = Type.Object(
  {
    accepted: Type.Integer({ description: 'samples newly stored' }),
    duplicates: Type.Integer({ description: 'samples already stored before (idempotent replays)' }),
    rejected: Type.Array(SampleRejection, { description: 'samples refused one by one (never stored; do not resend)' }),
    serverTime: EpochMs,
    credential: Type.Optional(
      Type.Object(
        {
          token: Type.String({ description: 'a new node credential: switch to it; the old one keeps working until `oldValidUntil`' }),
          expiresAt: EpochMs,
          oldValidUntil: EpochMs,
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'ReportAck', additionalProperties: false },
);
export type ReportAck = Static<typeof ReportAck>;
