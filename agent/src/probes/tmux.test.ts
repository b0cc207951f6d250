import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
});
