import { FormatRegistry, Type, type Static, type StringOptions } from '@sinclair/typebox';

/**
 * Text the database can store. PostgreSQL refuses a NUL byte in `text` and `jsonb`, and a lone UTF-16
 * surrogate (half of a pair, e.g. "\ud800") cannot be encoded as UTF-8 at all. Every free-text string
 * on the wire carries this format, so such input is refused at the schema (400, naming the field)
 * instead of failing a database statement shared with other senders' data.
 */
export const TEXT_FORMAT = 'text';
export const TEXT_FORMAT_RULE = 'must not contain a NUL byte or a lone surrogate';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function isStorableText(s: string): boolean {
  if (s.includes('\u0000')) return false;
  LONE_SURROGATE.lastIndex = 0;
  return !LONE_SURROGATE.test(s);
}

// TypeBox's checker (shared/src/validate.ts) knows the format; the collector's ajv gets it from wireFormats.
FormatRegistry.Set(TEXT_FORMAT, isStorableText);

/** The formats the wire schemas use beyond the standard ones: ajv instances add them (`formats` option). */
export const wireFormats = { [TEXT_FORMAT]: isStorableText } as const;

/** A free-text string the database can store (see TEXT_FORMAT). */
export const Text = (options: StringOptions = {}) => Type.String({ ...options, format: TEXT_FORMAT });

/**
 * Makes any string wire text: NUL bytes dropped, lone surrogates replaced (U+FFFD), and cut to at most
 * `maxLength` UTF-16 units without splitting a surrogate pair. What an agent applies to text it did not
 * write itself (file contents, command output) before it goes into a check.
 */
export function cleanText(s: string, maxLength: number): string {
  let out = s.includes('\u0000') ? s.replaceAll('\u0000', '') : s;
  if (out.length > maxLength) out = out.slice(0, maxLength);
  // A cut between the halves of a pair leaves a lone high surrogate at the end: toWellFormed replaces it.
  return out.replace(LONE_SURROGATE, '\ufffd');
}

/**
 * Numbers as the database stores them. `seq` is a bigint column, but JSON numbers are exact only up to
 * 2^53; metric columns are PostgreSQL `real` (float4) and the agent's memory is kept in KiB as `integer`.
 */
export const MAX_WIRE_INTEGER = Number.MAX_SAFE_INTEGER;
export const REAL_MAX = 3.4028234663852886e38;
export const INT4_MAX = 2_147_483_647;

/** Milliseconds since the Unix epoch (UTC). Every timestamp on the wire uses this. */
export const EpochMs = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, description: 'milliseconds since the Unix epoch (UTC)' });

/** The four results a check can have. `unknown` means the probe itself could not decide (timeout, error). */
export const CheckStatus = Type.Union([Type.Literal('ok'), Type.Literal('warn'), Type.Literal('critical'), Type.Literal('unknown')], {
  description: 'ok / warn / critical / unknown',
});
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
  Type.Literal('FLEET_UNSTORABLE'),
  Type.Literal('FLEET_RATE_LIMITED'),
  Type.Literal('FLEET_NOT_FOUND'),
  Type.Literal('FLEET_CONFLICT'),
  Type.Literal('FLEET_NODE_DECOMMISSIONED'),
  Type.Literal('FLEET_MAINTENANCE_IN_PAST'),
  Type.Literal('FLEET_PAY_POLICY_INVALID'),
  Type.Literal('FLEET_PAY_EVIDENCE_INVALID'),
  Type.Literal('FLEET_MONTH_NOT_SETTLED'),
  Type.Literal('FLEET_MONTH_CLOSED'),
  Type.Literal('FLEET_DISPUTE_WINDOW_OVER'),
  Type.Literal('FLEET_UNAVAILABLE'),
  Type.Literal('FLEET_INTERNAL'),
  // Not HTTP answers: a collector or `npm start` that cannot start prints these and exits non-zero.
  Type.Literal('FLEET_PORT_IN_USE'),
  Type.Literal('FLEET_DATA_DIR_IN_USE'),
  Type.Literal('FLEET_DATABASE_NEWER'),
  Type.Literal('FLEET_EMBEDDED_POSTGRES_MISSING'),
  // Not HTTP answers either: configuration refused at start (every problem listed).
  Type.Literal('FLEET_CONFIG_INVALID'),
  Type.Literal('FLEET_ALERT_CONFIG_INVALID'),
  Type.Literal('FLEET_ALERT_ROUTING_INVALID'),
  Type.Literal('FLEET_ALERT_CHANNEL_CONFIG_INVALID'),
  Type.Literal('FLEET_INCIDENT_POLICY_INVALID'),
  Type.Literal('FLEET_ACK_LINK_KEY_INVALID'),
  // Why an acknowledge link was refused: named in the message of a 403 FLEET_FORBIDDEN.
  Type.Literal('FLEET_ACK_LINK_MALFORMED'),
  Type.Literal('FLEET_ACK_LINK_BAD_SIGNATURE'),
  Type.Literal('FLEET_ACK_LINK_EXPIRED'),
  Type.Literal('FLEET_ACK_LINK_WRONG_PURPOSE'),
  Type.Literal('FLEET_ACK_LINK_WRONG_INCIDENT'),
  Type.Literal('FLEET_ACK_LINK_DISABLED'),
  Type.Literal('FLEET_CSRF_REJECTED'),
]);
export type ErrorCode = Static<typeof ErrorCode>;
/** Every code in ErrorCode, as a list. */
export const ERROR_CODES: readonly ErrorCode[] = ErrorCode.anyOf.map((s) => s.const);

export const ErrorReply = Type.Object(
  {
    statusCode: Type.Integer(),
    // One of ErrorCode: a reply with any other code fails the type check and the response schema.
    code: Type.Union(ErrorCode.anyOf, { description: 'stable error code a client may switch on (the README lists each one)' }),
    error: Type.String({ description: 'the reason phrase of the status ("Not Found", "Unprocessable Entity", ...)' }),
    message: Type.String(),
    details: Type.Optional(Type.Array(Type.Unknown())),
  },
  { $id: 'ErrorReply', additionalProperties: false },
);
export type ErrorReply = Static<typeof ErrorReply>;
