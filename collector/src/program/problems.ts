/**
 * The program's problems: each one has where (a dotted path), a stable code a client can switch on, and
 * words for a person. A request whose body has problems is answered `FLEET_BAD_REQUEST` with all of them.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { FleetError } from '@timmy/shared';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { pointerToPath } from '../pay/errors.ts';
import { dayStart } from '../pay/month.ts';

export const ProgramProblem = Type.Object(
  {
    /** Dotted path into the input: `references[1].contact`; `(root)` for the whole of it. */
    path: Type.String(),
    /** Stable, snake_case: `missing`, `too_long`, `nul_byte`, `below_minimum`, ... */
    code: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
    message: Type.String(),
  },
  { additionalProperties: false },
);
export type ProgramProblem = Static<typeof ProgramProblem>;

/** The error a shell throws (and the error handler answers 400 with) when input has problems. */
export class ProgramInputError extends FleetError<'FLEET_BAD_REQUEST'> {
  readonly problems: ProgramProblem[];
  constructor(what: string, problems: ProgramProblem[]) {
    super('FLEET_BAD_REQUEST', `${what}:\n${problems.map((p) => `  - ${p.path} [${p.code}]: ${p.message}`).join('\n')}`, {
      statusCode: 400,
      details: problems,
    });
    this.problems = problems;
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text a database can store: no NUL byte, no lone UTF-16 surrogate. */
export function textProblem(s: string): Pick<ProgramProblem, 'code' | 'message'> | null {
  if (s.includes('\u0000')) return { code: 'nul_byte', message: 'contains a NUL byte' };
  if (LONE_SURROGATE.test(s)) return { code: 'lone_surrogate', message: 'contains a lone UTF-16 surrogate (not valid Unicode)' };
  return null;
}

/** Every string anywhere in `value` (keys included) checked with `textProblem`. */
export function textProblems(value: unknown, path = ''): ProgramProblem[] {
  const at = (key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);
  if (typeof value === 'string') {
    const p = textProblem(value);
    return p ? [{ path: path || '(root)', ...p }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => textProblems(v, at(i)));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      const p = textProblem(k);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this replaces
      return [...(p ? [{ path: at(k.replace(/[\u0000\uD800-\uDFFF]/g, '\uFFFD')), ...p }] : []), ...textProblems(v, at(k))];
    });
  }
  return [];
}

const CODES: Partial<Record<ValueErrorType, string>> = {
  [ValueErrorType.ObjectRequiredProperty]: 'missing',
  [ValueErrorType.ObjectAdditionalProperties]: 'unknown_field',
  [ValueErrorType.StringMaxLength]: 'too_long',
  [ValueErrorType.StringMinLength]: 'too_short',
  [ValueErrorType.StringPattern]: 'bad_format',
  [ValueErrorType.ArrayMaxItems]: 'too_many',
  [ValueErrorType.ArrayMinItems]: 'too_few',
  [ValueErrorType.ArrayUniqueItems]: 'duplicate',
  [ValueErrorType.IntegerMaximum]: 'out_of_range',
  [ValueErrorType.IntegerMinimum]: 'out_of_range',
  [ValueErrorType.NumberMaximum]: 'out_of_range',
  [ValueErrorType.NumberMinimum]: 'out_of_range',
  [ValueErrorType.Literal]: 'not_allowed',
  [ValueErrorType.Union]: 'not_allowed',
};

/** A union of literals' choices, for the message. */
function choices(schema: TSchema): string | null {
  const options = (schema.anyOf as TSchema[] | undefined)?.map((s) => s.const);
  return options?.every((o) => o !== undefined) ? options.map((o) => JSON.stringify(o)).join(', ') : null;
}

function toProblem(e: ValueError): ProgramProblem {
  const path = pointerToPath(e.path);
  const code = CODES[e.type] ?? 'wrong_type';
  if (e.type === ValueErrorType.Union && choices(e.schema)) return { path, code, message: `expected one of ${choices(e.schema)}` };
  return { path, code, message: e.message };
}

/**
 * A compiled schema that lists every problem with a stable code, each code once per path (a missing
 * field is only `missing`, not also `wrong_type`), after the text problems (NUL bytes, lone surrogates),
 * which stand in for the pattern they also break.
 */
export function problemChecker<T extends TSchema>(schema: T) {
  const compiled = TypeCompiler.Compile(schema);
  return {
    check: (value: unknown): value is Static<T> => compiled.Check(value) && textProblems(value).length === 0,
    problems(value: unknown): ProgramProblem[] {
      const out = textProblems(value);
      // A value the compiled check passes has no schema error: only one that fails is walked for them (the
      // walk is TypeBox's interpreted one, about 15 ms for a 100-node operator's transfers in a pay estimate).
      if (compiled.Check(value)) return out;
      const seen = new Set(out.map((p) => `${p.path} ${p.code}`));
      const badText = new Set(out.map((p) => p.path));
      const missing = new Set<string>();
      for (const e of compiled.Errors(value)) {
        const p = toProblem(e);
        if (missing.has(p.path) || seen.has(`${p.path} ${p.code}`)) continue;
        // A pattern or a union that fails because of a NUL byte or a lone surrogate says nothing more.
        if (badText.has(p.path) && (p.code === 'bad_format' || p.code === 'not_allowed')) continue;
        if (p.code === 'missing') missing.add(p.path);
        seen.add(`${p.path} ${p.code}`);
        out.push(p);
      }
      return out;
    },
  };
}

/** A `YYYY-MM-DD` that is a real day (not 2027-02-30), or the problem with it. */
export function dayProblems(day: string, path: string): ProgramProblem[] {
  try {
    dayStart(day);
    return [];
  } catch (e) {
    return [{ path, code: 'bad_format', message: (e as Error).message }];
  }
}
