import type { ErrorCode } from './wire/common.ts';

/**
 * An error with a stable code from the one list (ErrorCode): the type of `code` makes an unlisted code a
 * type error. `statusCode` is the HTTP answer where the error can reach one (the collector's error
 * handler answers with it, the code and the message); `details` are listed in the reply (every problem
 * found, each with its path). Errors that never reach HTTP (a collector that cannot start) leave it out.
 */
export class FleetError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly statusCode?: number;
  readonly details?: unknown[];
  constructor(code: C, message: string, opts: { statusCode?: number; details?: unknown[]; cause?: unknown } = {}) {
    super(message, 'cause' in opts ? { cause: opts.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    if (opts.statusCode !== undefined) this.statusCode = opts.statusCode;
    if (opts.details !== undefined) this.details = opts.details;
  }
}
