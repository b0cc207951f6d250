import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
// Registers the wire formats (TEXT_FORMAT) with TypeBox before any schema is compiled.
import './wire/common.ts';

export interface SchemaProblem {
  path: string;
  message: string;
}

/** Compiles a schema once and returns a checker that lists every problem (not just the first). */
export function checker<T extends TSchema>(schema: T) {
  const compiled = TypeCompiler.Compile(schema);
  return {
    check: (value: unknown): value is Static<T> => compiled.Check(value),
    problems: (value: unknown, max = 20): SchemaProblem[] => {
      // The compiled check first: walking for errors interprets the schema, many times slower, and a
      // valid value (nearly every one) has none to list.
      if (compiled.Check(value)) return [];
      const out: SchemaProblem[] = [];
      for (const e of compiled.Errors(value)) {
        out.push({ path: e.path || '/', message: e.message });
        if (out.length >= max) break;
      }
      return out;
    },
  };
}
