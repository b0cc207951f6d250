/** Small TypeBox helpers the program's schemas share. */
import { Type, type TLiteral, type TUnion } from '@sinclair/typebox';

/** Objects refuse unknown fields. */
export const strict = { additionalProperties: false } as const;

/** A union of string literals from a `const` list: the list stays the one place the values are written. */
export const literals = <T extends string>(values: readonly T[]): TUnion<TLiteral<T>[]> => Type.Union(values.map((v) => Type.Literal(v)));
