/** The pay module's errors: a stable `FLEET_*` code and every problem found, each with its path. */
import { FleetError } from '@timmy/shared';

export interface Problem {
  /** Where, as a dotted path: `versions[0].lines[2].amountCents`. */
  path: string;
  message: string;
}

/** Answered 422 with every problem in `details` where it reaches HTTP. */
abstract class PayError<C extends 'FLEET_PAY_POLICY_INVALID' | 'FLEET_PAY_EVIDENCE_INVALID'> extends FleetError<C> {
  readonly problems: Problem[];
  constructor(code: C, what: string, problems: Problem[]) {
    super(code, `${what}:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`, { statusCode: 422, details: problems });
    this.problems = problems;
  }
}

/** The policy file (or a change to it) is not acceptable. */
export class PayPolicyError extends PayError<'FLEET_PAY_POLICY_INVALID'> {
  constructor(problems: Problem[]) {
    super('FLEET_PAY_POLICY_INVALID', 'invalid pay policy', problems);
  }
}

/** The evidence handed to the engine is inconsistent (overlapping spans, more state time than owned time, ...). */
export class PayEvidenceError extends PayError<'FLEET_PAY_EVIDENCE_INVALID'> {
  constructor(problems: Problem[]) {
    super('FLEET_PAY_EVIDENCE_INVALID', 'invalid pay evidence', problems);
  }
}

/** A JSON pointer (`/versions/0/lines/2`) as a dotted path (`versions[0].lines[2]`), under `prefix`. */
export function pointerToPath(pointer: string, prefix = ''): string {
  let out = prefix;
  for (const part of pointer.split('/').slice(1)) {
    if (part === '') continue;
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out || '(root)';
}
