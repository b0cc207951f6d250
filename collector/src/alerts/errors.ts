/**
 * Every error the alerting module throws, each with a stable code from the one list (`ErrorCode` in
 * @timmy/shared). Configuration errors list every problem and never quote a value (URLs and keys may
 * be secrets); the incident errors carry the HTTP status the API answers them with.
 */
import type { ErrorCode } from '@timmy/shared';

/** A block of alerting configuration with problems, every one listed as `/path: message`. */
export class AlertingConfigError extends Error {
  readonly code: ErrorCode;
  readonly problems: string[];
  constructor(code: ErrorCode, what: string, problems: string[]) {
    super(`invalid ${what}: ${problems.join('; ')}`);
    this.code = code;
    this.problems = problems;
  }
}

/** The alert rules (`alerts.rules`). */
export class AlertConfigError extends AlertingConfigError {
  constructor(problems: string[]) {
    super('FLEET_ALERT_CONFIG_INVALID', 'alert rules config', problems);
    this.name = 'AlertConfigError';
  }
}

/** The routes to channels (`alerts.routing`). */
export class RoutingConfigError extends AlertingConfigError {
  constructor(problems: string[]) {
    super('FLEET_ALERT_ROUTING_INVALID', 'alert routing', problems);
    this.name = 'RoutingConfigError';
  }
}

/** The channels (`alerts.channels`). */
export class ChannelConfigError extends AlertingConfigError {
  constructor(problems: string[]) {
    super('FLEET_ALERT_CHANNEL_CONFIG_INVALID', 'alert channel config', problems);
    this.name = 'ChannelConfigError';
  }
}

/** The incident policy (`alerts.incidents`): one message naming every problem. */
export class IncidentPolicyError extends Error {
  readonly code = 'FLEET_INCIDENT_POLICY_INVALID' satisfies ErrorCode;
  constructor(problems: string[]) {
    super(`invalid incident policy: ${problems.join('; ')}`);
    this.name = 'IncidentPolicyError';
  }
}

const INCIDENT_STATUS = { FLEET_NOT_FOUND: 404, FLEET_CONFLICT: 409, FLEET_BAD_REQUEST: 400 } as const satisfies Partial<
  Record<ErrorCode, number>
>;

/** A lifecycle action refused: no such incident, already resolved, notes missing. */
export class IncidentError extends Error {
  readonly code: keyof typeof INCIDENT_STATUS;
  readonly statusCode: number;
  constructor(code: keyof typeof INCIDENT_STATUS, message: string) {
    super(message);
    this.name = 'IncidentError';
    this.code = code;
    this.statusCode = INCIDENT_STATUS[code];
  }
}

/** An acknowledge-link key shorter than 32 bytes. */
export class AckLinkKeyError extends Error {
  readonly code = 'FLEET_ACK_LINK_KEY_INVALID' satisfies ErrorCode;
  constructor() {
    super('ack link key must be at least 32 bytes');
    this.name = 'AckLinkKeyError';
  }
}
