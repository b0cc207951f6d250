/**
 * Cross-process reliability of the agent: `kill -9` at random moments while the
 * collector is down, restart, bring the collector back: every appended sample is stored exactly
 * once. A corrupted buffer tail is cut back, counted, and the rest delivered.
 * Uses a small fake collector on loopback (agent/src/testing/fake-collector.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startFakeCollector, type FakeCollector } from '../agent/src/testing/fake-collector.ts';
import { scanFrames } from '../agent/src/push/buffer.ts';

const CLI = new URL('../agent/src/cli.ts', import.meta.url).pathname;
const TOKEN = 'node-credential-crash-test-0001';
const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  for (const f of cleanups.splice(0).reverse()) await f();
});

function setup(port: number) {
  const dir = mkdtempSync(join(tmpdir(), 'timmy-agent-crash-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.yaml');
  writeFileSync(join(dir, 'credential'), `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(
    config,
    [
      `collectorUrl: http://127.0.0.1:${port}`,
      `credentialFile: ${join(dir, 'credential')}`,
      `stateDir: ${join(dir, 'state')}`,
      `intervalS: 0.1`,
      `logLevel: warn`,
      `buffer: { segmentBytes: 8192, fsyncIntervalMs: 100 }`,
      `probes:`,
      `  - { type: heartbeat }`,
      `  - { type: disk, mount: /, intervalS: 0.5 }`,
    ].join('\n'),
  );
  return { dir, config, state: join(dir, 'state') };
}

function startAgent(config: string): ChildProcess {
  const c = spawn(process.execPath, [CLI, 'run', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(c);
  c.on('exit', () => children.delete(c));
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (c: ChildProcess) =>
  new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

async function killHard(c: ChildProcess) {
  c.kill('SIGKILL');
  await exited(c);
}

/** All samples in the buffer files (acked or not), by seq. */
function bufferSeqs(state: string): number[] {
  const dir = join(state, 'buffer');
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files.sort().flatMap((f) => scanFrames(readFileSync(join(dir, f))).samples.map((s) => s.seq));
}

async function waitFor(cond: () => boolean, what: string, maxMs = 30_000) {
  for (let waited = 0; !cond(); waited += 50) {
    if (waited > maxMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const storedSeqs = (fc: FakeCollector) => [...fc.stored.keys()].map((k) => Number(k.split(':')[1])).sort((a, b) => a - b);

describe('agent process: kill -9 while the collector is down', () => {
  it('delivers every appended sample exactly once after restarts and recovery', async () => {
    const port = await freePort(); // nothing listens: the collector is down
    const { config, state } = setup(port);
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 8; round++) {
      const before = round === 0 ? 0 : bufferSeqs(state).length;
      const c = startAgent(config);
      // Once it is appending, kill it at a random moment within the next ~0.8 s.
      await waitFor(() => bufferSeqs(state).length > before, 'the agent to append');
      await sleep(Math.floor(rand() * 800));
      await killHard(c);
    }
    const appendedWhileDown = bufferSeqs(state);
    expect(appendedWhileDown.length).toBeGreaterThan(15);
    // Contiguous: nothing appended was lost, no seq was reused across the kills.
    expect(appendedWhileDown).toEqual(Array.from({ length: appendedWhileDown.length }, (_, i) => i + 1));
    const maxDown = appendedWhileDown.at(-1)!;

    const fc = await startFakeCollector({ port, token: TOKEN });
    cleanups.push(() => fc.close());
    // Recovery with two more hard kills in the middle of the replay.
    for (let round = 0; round < 2; round++) {
      const c = startAgent(config);
      await sleep(400 + Math.floor(rand() * 400));
      await killHard(c);
    }
    const last = startAgent(config);
    await waitFor(() => storedSeqs(fc).filter((s) => s <= maxDown).length === maxDown, 'the backlog to be delivered');
    last.kill('SIGTERM');
    await exited(last);

    const stored = storedSeqs(fc);
    const all = bufferSeqs(state);
    const lastSeq = Math.max(stored.at(-1) ?? 0, all.at(-1) ?? 0);
    // Every seq ever appended is stored (or, for the very newest, still buffered), none conflicting.
    const stream = [...fc.stored.keys()][0]!.split(':')[0];
    const missing = [];
    for (let s = 1; s <= lastSeq; s++) if (!fc.stored.has(`${stream}:${s}`) && !all.includes(s)) missing.push(s);
    expect(missing).toEqual([]);
    expect(stored.slice(0, maxDown)).toEqual(Array.from({ length: maxDown }, (_, i) => i + 1));
    expect(fc.conflicts).toBe(0);
    // One stream for the whole test: the restarts kept the state directory's identity.
    expect(new Set([...fc.stored.keys()].map((k) => k.split(':')[0])).size).toBe(1);
  }, 180_000); // eleven agent starts: past the default 60 s at a load average of 25 on two cores

  it('a corrupted buffer tail is cut back, counted in the agent check, and the rest delivered', async () => {
    const port = await freePort();
    const { config, state } = setup(port);
    const c = startAgent(config);
    // Several records in the buffer (not a fixed time: on a busy machine the agent may take seconds to start).
    await waitFor(() => bufferSeqs(state).length >= 5, 'the agent to buffer five samples');
    c.kill('SIGTERM');
    await exited(c);
    const files = readdirSync(join(state, 'buffer')).sort();
    const tail = join(state, 'buffer', files.at(-1)!);
    const before = bufferSeqs(state);
    truncateSync(tail, statSync(tail).size - 5); // torn last record
    const survivors = bufferSeqs(state);
    expect(survivors.length).toBe(before.length - 1);

    const fc = await startFakeCollector({ port, token: TOKEN });
    cleanups.push(() => fc.close());
    const again = startAgent(config);
    await waitFor(() => survivors.every((s) => storedSeqs(fc).includes(s)), 'survivors to be delivered');
    again.kill('SIGTERM');
    await exited(again);
    const agentChecks = [...fc.stored.values()].flatMap((s) => s.checks ?? []).filter((ch) => ch.name === 'agent');
    expect(agentChecks.some((ch) => ch.values?.corruptCuts === 1)).toBe(true);
    expect(agentChecks.some((ch) => ch.status === 'warn')).toBe(true);
    // The lost seq is never reused for a different sample.
    expect(fc.conflicts).toBe(0);
    expect(storedSeqs(fc)).not.toContain(before.at(-1));
  });
});
