import { Type, type Static } from '@sinclair/typebox';

/** Milliseconds since the Unix epoch (UTC). Every timestamp on the wire uses this. */
export const EpochMs = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, description: 'milliseconds since the Unix epoch (UTC)' });

/** The four results a check can have. `unknown` means the probe itself could not decide (timeout, error). */
export const CheckStatus = Type.Union(
  [Type.Literal('ok'), Type.Literal('warn'), Type.Literal('critical'), Type.Literal('unknown')],
  { description: 'ok / warn / critical / unknown' },
);
export type CheckStatus = Static<typeof CheckStatus>;

/** A short, machine-friendly name: probe names, check names, mount points are free text elsewhere. */
export const Name = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:@/-]+$' });

/** Stable error codes the collector answers with (HTTP body `code`). Clients may switch on them. */
export const ErrorCode = Type.Union([
  Type.Literal('FLEET_UNAUTHORIZED'),
  Type.Literal('FLEET_FORBIDDEN'),
  Type.Literal('FLEET_BAD_REQUEST'),
  Type.Literal('FLEET_PAYLOAD_TOO_LARGE'),
  Type.Literal('FLEET_UNSUPPORTED_MEDIA_TYPE'),
  Type.Literal('FLEET_TIMESTAMP_OUT_OF_RANGE'),
  Type.Literal('FLEET_RATE_LIMITED'),
  Type.Literal('FLEET_NOT_FOUND'),
  Type.Literal('FLEET_CONFLICT'),
  Type.Literal('FLEET_NODE_DECOMMISSIONED'),
  Type.Literal('FLEET_MAINTENANCE_IN_PAST'),
  Type.Literal('FLEET_UNAVAILABLE'),
  Type.Literal('FLEET_INTERNAL'),
]);
export type ErrorCode = Static<typeof ErrorCode>;

export const ErrorReply = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'stable error code, e.g. FLEET_UNAUTHORIZED' }),
    error: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Array(Type.Unknown())),
  },
  { $id: 'ErrorReply', additionalProperties: false },
);
export type ErrorReply = Static<typeof ErrorReply>;
