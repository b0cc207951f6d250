/** Stable error codes: the collector's only error vocabulary (see ErrorCode in @timmy/shared). */
import { STATUS_CODES } from 'node:http';
import createError from '@fastify/error';
import type { ErrorCode } from '@timmy/shared';

export const Errors = {
  Unauthorized: createError<[]>('FLEET_UNAUTHORIZED', 'missing, unknown, expired or revoked credential', 401),
  Forbidden: createError('FLEET_FORBIDDEN', '%s', 403),
  BadRequest: createError('FLEET_BAD_REQUEST', '%s', 400),
  TimestampOutOfRange: createError('FLEET_TIMESTAMP_OUT_OF_RANGE', '%s', 422),
  /** A report holding a value the database refuses (found only by storing it): never worth a retry. */
  Unstorable: createError('FLEET_UNSTORABLE', 'the report holds a value the database cannot store: %s', 422),
  NotFound: createError('FLEET_NOT_FOUND', '%s', 404),
  Conflict: createError('FLEET_CONFLICT', '%s', 409),
  NodeDecommissioned: createError('FLEET_NODE_DECOMMISSIONED', '%s', 410),
  /** A maintenance window must be declared ahead of time. */
  MaintenanceInPast: createError('FLEET_MAINTENANCE_IN_PAST', '%s', 422),
  /** A pay policy with problems, or one that would change a closed month. */
  PayPolicyInvalid: createError('FLEET_PAY_POLICY_INVALID', '%s', 422),
  PayEvidenceInvalid: createError('FLEET_PAY_EVIDENCE_INVALID', '%s', 422),
  /** A month closed before its end plus the settling delay. */
  MonthNotSettled: createError('FLEET_MONTH_NOT_SETTLED', '%s', 409),
  /** A change that would touch a closed month (a transfer, a task import, an adjustment dated in it). */
  MonthClosed: createError('FLEET_MONTH_CLOSED', '%s', 409),
  DisputeWindowOver: createError('FLEET_DISPUTE_WINDOW_OVER', '%s', 409),
  Unavailable: createError<[]>('FLEET_UNAVAILABLE', 'the collector cannot store data right now; retry later', 503),
};

/** Fastify's own codes (and the alerting module's) mapped to ours, so clients see one vocabulary. */
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
  // The alerting module's codes (collector/src/alerts).
  INCIDENT_NOT_FOUND: { code: 'FLEET_NOT_FOUND', status: 404 },
  INCIDENT_RESOLVED: { code: 'FLEET_CONFLICT', status: 409 },
  INCIDENT_NOTES_REQUIRED: { code: 'FLEET_BAD_REQUEST', status: 400 },
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
