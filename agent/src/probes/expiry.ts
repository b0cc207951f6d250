/**
 * Expiry dates in a JSON file (runbook: credentials state in ~/.hermes/fleet-dispatch-state.json,
 * "tokens not past expiry"). Every key matching `keyPattern` whose value is a date (ISO string,
 * epoch seconds or epoch milliseconds) counts; the earliest one decides.
 */
import { readFileAsync as readFile } from '../lazy.ts';
import { Type } from '@sinclair/typebox';
import { defineProbe, expandHome, round } from './probe.ts';

const Options = Type.Object(
  {
    path: Type.String({ minLength: 1, default: '~/.hermes/fleet-dispatch-state.json' }),
    keyPattern: Type.String({ default: 'expir|valid_?until|not_?after', description: 'case-insensitive regular expression on key names' }),
    warnBeforeS: Type.Number({ minimum: 0, default: 3 * 86400 }),
    missingStatus: Type.Union([Type.Literal('ok'), Type.Literal('warn'), Type.Literal('unknown')], { default: 'warn' }),
  },
  { additionalProperties: false },
);

/** Epoch ms of a date-like value, or undefined. Numbers below 1e11 are seconds. */
export function toEpochMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v < 1e11 ? v * 1000 : v;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

export function findExpiries(doc: unknown, re: RegExp, path = ''): Array<{ key: string; at: number }> {
  if (!doc || typeof doc !== 'object') return [];
  const out: Array<{ key: string; at: number }> = [];
  for (const [k, v] of Object.entries(doc)) {
    const here = path ? `${path}.${k}` : k;
    const at = re.test(k) ? toEpochMs(v) : undefined;
    if (at !== undefined) out.push({ key: here, at });
    else if (v && typeof v === 'object') out.push(...findExpiries(v, re, here));
  }
  return out;
}

export default defineProbe({
  type: 'expiry',
  options: Options,
  defaultIntervalS: 300,
  defaultTimeoutS: 5,
  defaultName: () => 'credentials',
  validate: (o) => {
    try {
      new RegExp(o.keyPattern, 'i');
      return [];
    } catch (e) {
      return [`keyPattern is not a valid regular expression: ${(e as Error).message}`];
    }
  },
  create(o, env) {
    const path = expandHome(o.path, env.home);
    const re = new RegExp(o.keyPattern, 'i');
    return {
      async run(ctx) {
        let doc: unknown;
        try {
          doc = JSON.parse(await readFile(path, 'utf8'));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return { status: o.missingStatus, message: `${path} does not exist` };
          if (code === 'EACCES') return { status: 'unknown', message: `no permission to read ${path}` };
          return { status: 'warn', message: `${path} is not valid JSON` };
        }
        const found = findExpiries(doc, re).sort((a, b) => a.at - b.at);
        if (!found.length) return { status: 'ok', message: `no expiry dates in ${path}`, values: { count: 0 } };
        const first = found[0]!;
        const leftS = (first.at - ctx.now()) / 1000;
        const expired = found.filter((f) => f.at <= ctx.now()).length;
        // Key names only: the values next to them may be secrets and never leave the node.
        const values = { count: found.length, expired, earliestKey: first.key.slice(0, 200), secondsLeft: round(leftS, 0) };
        if (expired) return { status: 'warn', message: `${expired} of ${found.length} expired (first: ${first.key})`, values };
        if (leftS < o.warnBeforeS) return { status: 'warn', message: `${first.key} expires in ${Math.round(leftS / 3600)} h`, values };
        return { status: 'ok', message: `${found.length} valid, earliest ${first.key} in ${Math.round(leftS / 86400)} d`, values };
      },
    };
  },
});
