/** Helpers for probe tests: build a probe from options the way the config does, run it once. */
import { Value } from '@sinclair/typebox/value';
import { rootLogger } from '../log.ts';
import type { ProbeDefinition, ProbeEnv, ProbeOutput } from './probe.ts';

export const testEnv: ProbeEnv = { user: 'tester', uid: process.getuid?.() ?? 0, home: '/nonexistent-home' };

// biome-ignore lint/suspicious/noExplicitAny: one list holds definitions of different option types
export function options<D extends ProbeDefinition<any>>(def: D, opts: Record<string, unknown>) {
  const o = Value.Default(def.options, structuredClone(opts)) as Record<string, unknown>;
  const errors = [...Value.Errors(def.options, o)].map((e) => `${e.path}: ${e.message}`);
  return { o, problems: [...errors, ...(errors.length ? [] : (def.validate?.(o) ?? []))] };
}

export async function runOnce(
  // biome-ignore lint/suspicious/noExplicitAny: any probe's definition, whatever its option type
  def: ProbeDefinition<any>,
  opts: Record<string, unknown>,
  env: ProbeEnv = testEnv,
  now = Date.now,
): Promise<ProbeOutput> {
  const { o, problems } = options(def, opts);
  if (problems.length) throw new Error(problems.join('; '));
  const inst = def.create(o, env);
  try {
    return await inst.run({ signal: new AbortController().signal, now, log: rootLogger('silent'), facts: {} });
  } finally {
    inst.close?.();
  }
}
