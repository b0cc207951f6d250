/**
 * File freshness: a file's age, or the newest file in a directory, plus an optional failure marker
 * pattern looked for in the last `tailBytes` of that file. `~` is the watched user's home.
 */
import { closeAsync, fstatAsync, openAsync, readAsync, readdirAsync as readdir, statAsync as stat } from '../lazy.ts';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { defineProbe, expandHome, round } from './probe.ts';

const Options = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'a file, or a directory (then its newest file counts)' }),
    maxAgeS: Type.Number({ exclusiveMinimum: 0, default: 3600 }),
    failurePattern: Type.Optional(Type.String({ minLength: 1, description: 'regular expression; a match in the file is a failure' })),
    failureFlags: Type.String({ default: 'i', pattern: '^[imsu]*$' }),
    tailBytes: Type.Integer({ minimum: 1, maximum: 1048576, default: 65536 }),
    severity: Type.Union([Type.Literal('warn'), Type.Literal('critical')], { default: 'warn' }),
  },
  { additionalProperties: false },
);

async function newestIn(dir: string): Promise<{ path: string; mtimeMs: number } | undefined> {
  let best: { path: string; mtimeMs: number } | undefined;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const p = join(dir, entry.name);
    try {
      const s = await stat(p);
      if (!best || s.mtimeMs > best.mtimeMs) best = { path: p, mtimeMs: s.mtimeMs };
    } catch {
      // removed meanwhile
    }
  }
  return best;
}

async function readTail(path: string, bytes: number): Promise<string> {
  const fd = await openAsync(path, 'r');
  try {
    const { size } = await fstatAsync(fd);
    const len = Math.min(size, bytes);
    const buf = Buffer.alloc(len);
    await readAsync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } finally {
    await closeAsync(fd);
  }
}

export default defineProbe({
  type: 'file',
  options: Options,
  defaultIntervalS: 60,
  defaultTimeoutS: 5,
  defaultName: (o) => `file:${o.path}`.replace(/[^A-Za-z0-9_.:@/-]/g, '_').slice(0, 128),
  validate: (o) => {
    if (!o.failurePattern) return [];
    try {
      new RegExp(o.failurePattern, o.failureFlags);
      return [];
    } catch (e) {
      return [`failurePattern is not a valid regular expression: ${(e as Error).message}`];
    }
  },
  create(o, env) {
    const path = expandHome(o.path, env.home);
    const marker = o.failurePattern ? new RegExp(o.failurePattern, o.failureFlags) : undefined;
    return {
      async run(ctx) {
        let target: { path: string; mtimeMs: number } | undefined;
        try {
          const s = await stat(path);
          target = s.isDirectory() ? await newestIn(path) : { path, mtimeMs: s.mtimeMs };
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return { status: o.severity, message: `${path} does not exist`, values: { exists: false } };
          if (code === 'EACCES') return { status: 'unknown', message: `no permission to read ${path}` };
          throw e;
        }
        if (!target) return { status: o.severity, message: `${path} holds no file`, values: { exists: false } };
        const ageS = Math.max(0, (ctx.now() - target.mtimeMs) / 1000);
        const values = { exists: true, ageS: round(ageS, 1), file: target.path.slice(-1024) };
        if (marker) {
          const m = marker.exec(await readTail(target.path, o.tailBytes));
          if (m)
            return {
              status: o.severity,
              message: `failure marker "${m[0].slice(0, 80)}" in ${target.path}`,
              values: { ...values, failure: true },
            };
        }
        if (ageS > o.maxAgeS)
          return { status: o.severity, message: `${target.path} is ${Math.round(ageS)} s old (max ${o.maxAgeS} s)`, values };
        return { status: 'ok', message: `${target.path} ${Math.round(ageS)} s old`, values };
      },
    };
  },
});
