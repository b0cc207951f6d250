/**
 * tmux sessions present for the watched user. tmux has no file to read, so this probe spawns
 * `tmux list-sessions` — at a low rate (default every 120 s: a missing session is a warning).
 *
 * The agent runs as its own user; tmux only lets the server's owner (and root) in. The watched user
 * grants access once with `tmux server-access -a timmy-fleet` (tmux >= 3.3) — until then the result
 * is `unknown` with that hint, never a false "missing".
 */
import { Type } from '@sinclair/typebox';
import { defineProbe } from './probe.ts';
import { run } from './exec.ts';

const Options = Type.Object(
  {
    sessions: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, default: ['BURN', 'BURN2', 'FORGE'] }),
    socket: Type.Optional(Type.String({ minLength: 1, description: 'tmux socket; default /tmp/tmux-<uid of user>/default' })),
    tmux: Type.String({ default: 'tmux' }),
  },
  { additionalProperties: false },
);

export default defineProbe({
  type: 'tmux',
  options: Options,
  defaultIntervalS: 120,
  defaultTimeoutS: 5,
  defaultName: () => 'tmux',
  create(o, env) {
    const socket = o.socket ?? `/tmp/tmux-${env.uid}/default`;
    return {
      async run(ctx) {
        const r = await run(o.tmux, ['-S', socket, 'list-sessions', '-F', '#{session_name}'], { signal: ctx.signal });
        if (r.error === 'ENOENT') return { status: 'unknown', message: `tmux not installed (${o.tmux} not found)` };
        let present: string[] = [];
        if (r.code === 0) {
          present = r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
        } else {
          const err = (r.stderr || r.error || '').trim();
          if (/access not allowed|permission denied/i.test(err)) {
            return { status: 'unknown', message: `no access to ${env.user}'s tmux server (${socket}); as ${env.user} run: tmux server-access -a <agent user>` };
          }
          if (!/no server running|no such file|error connecting|no sessions/i.test(err)) {
            return { status: 'unknown', message: `tmux list-sessions failed: ${err || `exit ${r.code}`}`.slice(0, 2000) };
          }
          // No server: every session is missing.
        }
        const missing = o.sessions.filter((s) => !present.includes(s));
        return {
          status: missing.length ? 'warn' : 'ok',
          message: missing.length ? `missing session${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` : `sessions ${o.sessions.join(', ')} present`,
          values: { missing: missing.join(',') || null, present: present.length },
        };
      },
    };
  },
});
