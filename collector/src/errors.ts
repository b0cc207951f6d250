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
  Unavailable: createError<[]>('FLEET_UNAVAILABLE', 'the collector cannot store data right now; retry later', 503),
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
