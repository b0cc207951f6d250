/** HTTP endpoint: expected status within a timeout. */
import { makeTransport } from '../push/transport.ts';
import { monoMs } from '../lazy.ts';
import { Type } from '@sinclair/typebox';
import { defineProbe, round, type ProbeOutput } from './probe.ts';

const Options = Type.Object(
  {
    url: Type.String({ pattern: '^https?://' }),
    method: Type.Union([Type.Literal('GET'), Type.Literal('HEAD')], { default: 'GET' }),
    expectStatus: Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1, default: [200] }),
    severity: Type.Union([Type.Literal('warn'), Type.Literal('critical')], { default: 'critical' }),
  },
  { additionalProperties: false },
);

export default defineProbe({
  type: 'http',
  options: Options,
  defaultIntervalS: 30,
  defaultTimeoutS: 5,
  defaultName: (o) => `http:${new URL(o.url).host}`.replace(/[^A-Za-z0-9_.:@/-]/g, '_'),
  validate: (o) => {
    try {
      new URL(o.url);
      return [];
    } catch {
      return [`url is not a valid URL`];
    }
  },
  create(o) {
    const shown = (() => {
      const u = new URL(o.url);
      u.username = '';
      u.password = '';
      u.search = '';
      return u.toString();
    })();
    const transport = makeTransport();
    return {
      close: () => transport.close(),
      async run(ctx): Promise<ProbeOutput> {
        const t0 = monoMs();
        try {
          const res = await transport.request(new URL(o.url), { method: o.method, signal: ctx.signal, timeoutMs: 60_000 });
          const ms = round(monoMs() - t0, 1);
          const ok = o.expectStatus.includes(res.status);
          return {
            status: ok ? 'ok' : o.severity,
            message: `${shown} answered ${res.status}${ok ? '' : ` (expected ${o.expectStatus.join('/')})`} in ${ms} ms`,
            values: { statusCode: res.status, ms },
          };
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          const code = (e as NodeJS.ErrnoException).code ?? (e as Error).name;
          return { status: o.severity, message: `${shown} unreachable: ${code}`, values: { statusCode: null, ms: null } };
        }
      },
    };
  },
});
