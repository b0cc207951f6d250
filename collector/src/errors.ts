/** Stable error codes: the collector's only error vocabulary (see ErrorCode in @timmy/shared). */
import createError from '@fastify/error';

export const Errors = {
  Unauthorized: createError('FLEET_UNAUTHORIZED', 'missing, unknown, expired or revoked credential', 401),
  Forbidden: createError('FLEET_FORBIDDEN', '%s', 403),
  BadRequest: createError('FLEET_BAD_REQUEST', '%s', 400),
  TimestampOutOfRange: createError('FLEET_TIMESTAMP_OUT_OF_RANGE', '%s', 422),
  NotFound: createError('FLEET_NOT_FOUND', '%s', 404),
  Conflict: createError('FLEET_CONFLICT', '%s', 409),
  NodeDecommissioned: createError('FLEET_NODE_DECOMMISSIONED', '%s', 410),
  /** A maintenance window must be declared ahead of time. */
  MaintenanceInPast: createError('FLEET_MAINTENANCE_IN_PAST', '%s', 422),
  Unavailable: createError('FLEET_UNAVAILABLE', 'the collector cannot store data right now; retry later', 503),
};

/** Fastify's own codes mapped to ours, so clients see one vocabulary. */
export const FASTIFY_CODE_MAP: Record<string, { code: string; status: number }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'FLEET_PAYLOAD_TOO_LARGE', status: 413 },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'FLEET_UNSUPPORTED_MEDIA_TYPE', status: 415 },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'FLEET_BAD_REQUEST', status: 400 },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'FLEET_BAD_REQUEST', status: 400 },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'FLEET_BAD_REQUEST', status: 400 },
  FST_ERR_VALIDATION: { code: 'FLEET_BAD_REQUEST', status: 400 },
  FST_ERR_CTP_INVALID_CONTENT_ENCODING: { code: 'FLEET_UNSUPPORTED_MEDIA_TYPE', status: 415 },
  // The alerting module's codes (collector/src/alerts).
  INCIDENT_NOT_FOUND: { code: 'FLEET_NOT_FOUND', status: 404 },
  INCIDENT_RESOLVED: { code: 'FLEET_CONFLICT', status: 409 },
  INCIDENT_NOTES_REQUIRED: { code: 'FLEET_BAD_REQUEST', status: 400 },
};
