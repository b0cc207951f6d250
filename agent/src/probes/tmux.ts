/**
 * tmux sessions present for the watched user. tmux has no file to read, so this probe spawns
 * `tmux list-sessions` — at a low rate (default every 120 s: a missing session is a warning).
 *
 * The agent runs as its own user; tmux only lets the server's owner (and root) in. With tmux >= 3.3 the
 * watched user grants access once with `tmux server-access -a timmy-fleet` and lets the agent (a member
 * of their group) through the socket's directory with `chmod g+x /tmp/tmux-<uid>`. Until then the
 * result is `unknown` with that hint, never a false "missing": Debian's tmux 3.3a answers a client it
 * refuses with "access not allowed" on stderr and exit status 0, and no session list. tmux < 3.3
 * (Ubuntu 22.04 ships 3.2a) has no server-access at all: the socket's permissions are the only gate.
 */
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
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
    let version: string | undefined;
    const denied = async (signal: AbortSignal) => {
      version ??= /tmux\s+(?:next-)?(\S+)/.exec((await run(o.tmux, ['-V'], { signal })).stdout)?.[1] ?? '?';
      return { status: 'unknown' as const, message: accessHint(version, env.user, agentUser(), socket) };
    };
    return {
      async run(ctx) {
        const r = await run(o.tmux, ['-S', socket, 'list-sessions', '-F', '#{session_name}'], { signal: ctx.signal });
        if (r.error === 'ENOENT') return { status: 'unknown', message: `tmux not installed (${o.tmux} not found)` };
        const err = (r.stderr || r.error || '').trim();
        // Refused (or read-only) access says so on stderr, with exit status 0 on tmux 3.3a: never "missing".
        if (ACCESS_DENIED.test(err)) return denied(ctx.signal);
        let present: string[] = [];
        if (r.code === 0) {
          present = r.stdout
            .split('\n')
            .map((s) => s.trim())
            .filter(Boolean);
        } else {
          if (!/no server running|no such file|error connecting|no sessions/i.test(err)) {
            return { status: 'unknown', message: `tmux list-sessions failed: ${err || `exit ${r.code}`}`.slice(0, 2000) };
          }
          // No server: every session is missing.
        }
        const missing = o.sessions.filter((s) => !present.includes(s));
        return {
          status: missing.length ? 'warn' : 'ok',
          message: missing.length
            ? `missing session${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`
            : `sessions ${o.sessions.join(', ')} present`,
          values: { missing: missing.join(',') || null, present: present.length },
        };
      },
    };
  },
});

const ACCESS_DENIED = /access not allowed|permission denied|not allowed|read-only/i;

function agentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'timmy-fleet';
  }
}

/** What the watched user does to let the agent list their sessions, for the tmux version found. */
export function accessHint(version: string, user: string, agent: string, socket: string): string {
  const m = /^(\d+)\.(\d+)/.exec(version);
  const dir = dirname(socket);
  const head = `no access to ${user}'s tmux server (${socket})`;
  if (m && (Number(m[1]) > 3 || (Number(m[1]) === 3 && Number(m[2]) >= 3))) {
    return `${head}; as ${user} run: tmux server-access -a ${agent} && chmod g+x ${dir}`;
  }
  return (
    `${head}; tmux ${version} has no server-access (it came with tmux 3.3): the socket's permissions are the only gate, ` +
    `so either install tmux >= 3.3, or as ${user} run: chmod g+x ${dir} (the agent is in ${user}'s group; ` +
    `on tmux < 3.3 that gives it full control of the server), or turn this check off (enabled: false)`
  );
}
