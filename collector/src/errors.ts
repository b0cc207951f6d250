/** Stable error codes: the collector's only error vocabulary (ErrorCode in @timmy/shared, the README's table). */
import { STATUS_CODES } from 'node:http';
import { FleetError, type ErrorCode } from '@timmy/shared';

/**
 * A FleetError class for one code and status, whose message is `say(detail)`: `new Errors.NotFound('no node x')`;
 * `details` (every problem found) are listed in the reply.
 */
function kind<C extends ErrorCode>(code: C, statusCode: number, say: (detail: string) => string = (detail) => detail) {
  return class extends FleetError<C> {
    constructor(detail = '', details?: unknown[]) {
      super(code, say(detail), { statusCode, ...(details ? { details } : {}) });
    }
  };
}

export const Errors = {
  Unauthorized: kind('FLEET_UNAUTHORIZED', 401, () => 'missing, unknown, expired or revoked credential'),
  Forbidden: kind('FLEET_FORBIDDEN', 403),
  BadRequest: kind('FLEET_BAD_REQUEST', 400),
  TimestampOutOfRange: kind('FLEET_TIMESTAMP_OUT_OF_RANGE', 422),
  /** A report holding a value the database refuses (found only by storing it): never worth a retry. */
  Unstorable: kind('FLEET_UNSTORABLE', 422, (why) => `the report holds a value the database cannot store: ${why}`),
  NotFound: kind('FLEET_NOT_FOUND', 404),
  Conflict: kind('FLEET_CONFLICT', 409),
  NodeDecommissioned: kind('FLEET_NODE_DECOMMISSIONED', 410),
  UnsupportedMediaType: kind('FLEET_UNSUPPORTED_MEDIA_TYPE', 415),
  /** A maintenance window must be declared ahead of time. */
  MaintenanceInPast: kind('FLEET_MAINTENANCE_IN_PAST', 422),
  /** A pay policy with problems, or one that would change a closed month. */
  PayPolicyInvalid: kind('FLEET_PAY_POLICY_INVALID', 422),
  PayEvidenceInvalid: kind('FLEET_PAY_EVIDENCE_INVALID', 422),
  /** A month closed before its end plus the settling delay. */
  MonthNotSettled: kind('FLEET_MONTH_NOT_SETTLED', 409),
  /** A change that would touch a closed month (a transfer, a task import, an adjustment dated in it). */
  MonthClosed: kind('FLEET_MONTH_CLOSED', 409),
  DisputeWindowOver: kind('FLEET_DISPUTE_WINDOW_OVER', 409),
  /** A state-changing request signed in by the console's cookie without the session's CSRF token. */
  CsrfRejected: kind(
    'FLEET_CSRF_REJECTED',
    403,
    () => "the console session's CSRF token (x-csrf-token) is missing or wrong: reload the console",
  ),
  Unavailable: kind('FLEET_UNAVAILABLE', 503, () => 'the collector cannot store data right now; retry later'),
};

/** Fastify's own codes mapped to ours, so clients see one vocabulary. */
export const FASTIFY_CODE_MAP: Record<string, { code: ErrorCode; status: number }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'FLEET_PAYLOAD_TOO_LARGE', status: 413 },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'FLEET_UNSUPPORTED_MEDIA_TYPE', status: 415 },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'FLEET_BAD_REQUEST', status: 400 },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'FLEET_BAD_REQUEST', status: 400 },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'FLEET_BAD_REQUEST', status: 400 },
  FST_ERR_VALIDATION: { code: 'FLEET_BAD_REQUEST', status: 400 },
  FST_ERR_CTP_INVALID_CONTENT_ENCODING: { code: 'FLEET_UNSUPPORTED_MEDIA_TYPE', status: 415 },
  FST_ERR_BAD_URL: { code: 'FLEET_BAD_REQUEST', status: 400 },
  // A path segment longer than Fastify's router accepts: a bad request like any other (Fastify says 414).
  FST_ERR_MAX_PARAM_LENGTH: { code: 'FLEET_BAD_REQUEST', status: 400 },
};

/** The code of an error that carries only a status (another library's, an unmapped Fastify code). */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'FLEET_UNAUTHORIZED';
    case 403:
      return 'FLEET_FORBIDDEN';
    case 404:
      return 'FLEET_NOT_FOUND';
    case 409:
      return 'FLEET_CONFLICT';
    case 413:
      return 'FLEET_PAYLOAD_TOO_LARGE';
    case 415:
      return 'FLEET_UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'FLEET_RATE_LIMITED';
    case 503:
      return 'FLEET_UNAVAILABLE';
    default:
      return status >= 500 ? 'FLEET_INTERNAL' : 'FLEET_BAD_REQUEST';
  }
}

/** The reason phrase of a status ("Not Found", "Unprocessable Entity"), as node:http spells it. */
export const reasonPhrase = (status: number): string => STATUS_CODES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request');
