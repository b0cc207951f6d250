import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import file from './file.ts';
import { options, runOnce, testEnv } from './testkit.ts';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'timmy-file-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.parse('2026-06-01T12:00:00Z');
const touch = (p: string, ageS: number, content = '{}') => {
  writeFileSync(p, content);
  const t = (NOW - ageS * 1000) / 1000;
  utimesSync(p, t, t);
};

describe('file freshness probe', () => {
  it('a fresh file is ok, a stale one warns', async () => {
    touch(join(dir, 'q.json'), 60);
    expect((await runOnce(file, { path: join(dir, 'q.json'), maxAgeS: 900 }, testEnv, () => NOW)).status).toBe('ok');
    touch(join(dir, 'q.json'), 1000);
    const out = await runOnce(file, { path: join(dir, 'q.json'), maxAgeS: 900 }, testEnv, () => NOW);
    expect(out.status).toBe('warn');
    expect(out.values?.ageS).toBe(1000);
  });

  it('a directory counts by its newest file', async () => {
    touch(join(dir, 'old.log'), 90_000);
    touch(join(dir, 'new.log'), 100);
    mkdirSync(join(dir, 'sub'));
    const out = await runOnce(file, { path: dir, maxAgeS: 3600 }, testEnv, () => NOW);
    expect(out.status).toBe('ok');
    expect(out.values?.file).toBe(join(dir, 'new.log'));
  });

  it('a failure marker in the newest file fails the check', async () => {
    touch(join(dir, 'job-1.log'), 10, 'started\nTraceback (most recent call last):\n  boom\n');
    const out = await runOnce(file, { path: dir, maxAgeS: 3600, failurePattern: 'FAILED|Traceback' }, testEnv, () => NOW);
    expect(out.status).toBe('warn');
    expect(out.message).toMatch(/failure marker "Traceback"/);
  });

  it('missing path and empty directory use the configured severity', async () => {
    expect((await runOnce(file, { path: join(dir, 'nope'), severity: 'critical' })).status).toBe('critical');
    expect((await runOnce(file, { path: dir })).message).toMatch(/holds no file/);
  });

  it('~ is the watched user’s home', async () => {
    mkdirSync(join(dir, '.hermes'));
    touch(join(dir, '.hermes', 'x'), 1);
    const out = await runOnce(file, { path: '~/.hermes/x' }, { ...testEnv, home: dir }, () => NOW);
    expect(out.status).toBe('ok');
  });

  it('rejects an invalid failure pattern at config time', () => {
    expect(options(file, { path: '/x', failurePattern: '(' }).problems.join()).toMatch(/not a valid regular expression/);
  });
});
