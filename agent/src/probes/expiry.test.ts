import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import expiry, { findExpiries, toEpochMs } from './expiry.ts';
import { runOnce, testEnv } from './testkit.ts';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'timmy-exp-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const NOW = Date.parse('2026-06-01T00:00:00Z');

describe('expiry probe (credentials state)', () => {
  it('reads ISO dates, epoch seconds and epoch ms', () => {
    expect(toEpochMs('2026-06-02T00:00:00Z')).toBe(Date.parse('2026-06-02T00:00:00Z'));
    expect(toEpochMs(1_780_000_000)).toBe(1_780_000_000_000);
    expect(toEpochMs(1_780_000_000_000)).toBe(1_780_000_000_000);
    expect(toEpochMs('soon')).toBeUndefined();
  });
  it('finds nested expiry keys', () => {
    expect(
      findExpiries({ a: { token: 'x', expires_at: 5 }, list: [{ validUntil: '2026-01-01' }] }, /expir|valid_?until/i).map((f) => f.key),
    ).toEqual(['a.expires_at', 'list.0.validUntil']);
  });
  it.each([
    [{ gh: { expiresAt: '2026-07-01T00:00:00Z' } }, 'ok'],
    [{ gh: { expiresAt: '2026-06-02T00:00:00Z' } }, 'warn'],
    [{ gh: { expiresAt: '2026-05-01T00:00:00Z' }, other: { expiresAt: '2027-01-01T00:00:00Z' } }, 'warn'],
  ])('%j → %s, and never reports the secrets next to the dates', async (doc, want) => {
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ ...doc, token: 'super-secret' }));
    const out = await runOnce(expiry, { path: '~/state.json' }, { ...testEnv, home: dir }, () => NOW);
    expect(out.status).toBe(want);
    expect(JSON.stringify(out)).not.toContain('super-secret');
  });
  it('a missing file warns by default', async () => {
    expect((await runOnce(expiry, { path: join(dir, 'nope.json') })).status).toBe('warn');
  });
});
