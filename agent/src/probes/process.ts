/** A process is present: by exact name (/proc/PID/comm) or a pattern on the command line. Reads /proc. */
import { readdirSync, readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { defineProbe } from './probe.ts';

const Options = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 15, description: 'exact process name (comm, at most 15 chars)' })),
    pattern: Type.Optional(Type.String({ minLength: 1, description: 'regular expression matched against the command line' })),
    minCount: Type.Integer({ minimum: 1, default: 1 }),
    severity: Type.Union([Type.Literal('warn'), Type.Literal('critical')], { default: 'warn' }),
    procRoot: Type.String({ default: '/proc' }),
  },
  { additionalProperties: false },
);

export default defineProbe({
  type: 'process',
  options: Options,
  defaultIntervalS: 30,
  defaultTimeoutS: 5,
  defaultName: (o) => `process:${o.name ?? o.pattern ?? '?'}`.replace(/[^A-Za-z0-9_.:@/-]/g, '_').slice(0, 128),
  validate: (o) => {
    const p: string[] = [];
    if (!o.name && !o.pattern) p.push('needs `name` or `pattern`');
    if (o.pattern) {
      try {
        new RegExp(o.pattern);
      } catch (e) {
        p.push(`pattern is not a valid regular expression: ${(e as Error).message}`);
      }
    }
    return p;
  },
  create(o) {
    const re = o.pattern ? new RegExp(o.pattern) : undefined;
    const self = String(process.pid);
    return {
      async run() {
        let count = 0;
        for (const pid of readdirSync(o.procRoot)) {
          if (!/^\d+$/.test(pid) || pid === self) continue;
          try {
            if (o.name && readFileSync(`${o.procRoot}/${pid}/comm`, 'utf8').trim() !== o.name) continue;
            if (re && !re.test(readFileSync(`${o.procRoot}/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim())) continue;
            count++;
          } catch {
            // the process exited while we looked
          }
        }
        const what = o.name ?? `/${o.pattern}/`;
        return {
          status: count >= o.minCount ? 'ok' : o.severity,
          message:
            count >= o.minCount
              ? `${count} process${count > 1 ? 'es' : ''} ${what}`
              : `${what}: ${count} running, expected at least ${o.minCount}`,
          values: { count },
        };
      },
    };
  },
});
