import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import tmux from './tmux.ts';
import { runOnce } from './testkit.ts';

// A real tmux server on a private socket, with two of the three default sessions.
let dir: string;
let socket: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'timmy-tmux-'));
  socket = join(dir, 'sock');
  execFileSync('tmux', ['-S', socket, 'new-session', '-d', '-s', 'BURN', 'sleep 300']);
  execFileSync('tmux', ['-S', socket, 'new-session', '-d', '-s', 'FORGE', 'sleep 300']);
});
afterAll(() => {
  try {
    execFileSync('tmux', ['-S', socket, 'kill-server']);
  } catch {
    // already gone
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('tmux probe', () => {
  it('warns and names the missing session', async () => {
    const out = await runOnce(tmux, { socket });
    expect(out.status).toBe('warn');
    expect(out.message).toBe('missing session BURN2');
    expect(out.values).toMatchObject({ missing: 'BURN2', present: 2 });
  });

  it('is ok when every configured session is there', async () => {
    expect((await runOnce(tmux, { socket, sessions: ['BURN', 'FORGE'] })).status).toBe('ok');
  });

  it('no server running: every session is missing', async () => {
    const out = await runOnce(tmux, { socket: join(dir, 'none') });
    expect(out.status).toBe('warn');
    expect(out.message).toMatch(/BURN, BURN2, FORGE/);
  });

  it('tmux not installed: unknown, not missing', async () => {
    const out = await runOnce(tmux, { socket, tmux: '/nonexistent/tmux' });
    expect(out.status).toBe('unknown');
  });

  /** A stand-in tmux that answers `-V` with `version` and `list-sessions` as given (what tmux prints there, measured). */
  function fakeTmux(name: string, version: string, listSessions: string) {
    const bin = join(dir, name);
    writeFileSync(bin, `#!/bin/sh\nif [ "$1" = -V ]; then echo "tmux ${version}"; exit 0; fi\n${listSessions}\n`);
    chmodSync(bin, 0o755);
    return bin;
  }

  it('Debian tmux 3.3a denying access ("access not allowed", exit 0) is unknown with the server-access hint, never "missing"', async () => {
    const out = await runOnce(tmux, { socket, tmux: fakeTmux('tmux33', '3.3a', 'echo "access not allowed" >&2; exit 0') });
    expect(out.status).toBe('unknown');
    expect(out.message).not.toMatch(/missing/);
    expect(out.message).toMatch(/tmux server-access -a /);
    expect(out.message).toMatch(/chmod g\+x/);
  });

  it('a socket the agent may not open (Permission denied, exit 1) is unknown with the hint', async () => {
    const out = await runOnce(tmux, {
      socket,
      tmux: fakeTmux('tmuxperm', '3.3a', `echo "error connecting to ${socket} (Permission denied)" >&2; exit 1`),
    });
    expect(out.status).toBe('unknown');
    expect(out.message).toMatch(/server-access/);
  });

  it('tmux older than 3.3 (Ubuntu 22.04: 3.2a) has no server-access: the hint says what to do there instead', async () => {
    const out = await runOnce(tmux, {
      socket,
      tmux: fakeTmux('tmux32', '3.2a', `echo "error connecting to ${socket} (Permission denied)" >&2; exit 1`),
    });
    expect(out.status).toBe('unknown');
    expect(out.message).toMatch(/tmux 3\.2a has no server-access/);
    expect(out.message).not.toMatch(/run: tmux server-access/);
  });
});
