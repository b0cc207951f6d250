import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtures } from '@timmy/shared';
import { DiskBuffer, dirBytes } from './buffer.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'timmy-buf-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const hb = (ts: number) => ({ ts, heartbeat: { bootId: 'b', uptimeS: 1, agentRssBytes: 1, agentCpuSeconds: 0 } });
const open = (dir: string, over: Partial<{ maxBytes: number; segmentBytes: number }> = {}) =>
  DiskBuffer.open({ dir, maxBytes: 64 * 1024 * 1024, segmentBytes: 4096, fsyncIntervalMs: 1000, ...over });
const segFiles = (dir: string) =>
  readdirSync(join(dir, 'buffer'))
    .sort()
    .map((f) => join(dir, 'buffer', f));

/** Drains the buffer like the pusher does, acking every batch; returns the seqs in send order. */
function drain(b: DiskBuffer, max = 50): number[] {
  const seen: number[] = [];
  for (;;) {
    const batch = b.nextBatch(max, 1 << 20, 0);
    if (!batch.length) return seen;
    seen.push(...batch.map((s) => s.seq));
    b.ack(batch.map((s) => s.seq));
  }
}

describe('DiskBuffer', () => {
  it('assigns increasing seqs, keeps a stable stream across restarts, and replays in order', () => {
    const dir = tmp();
    const b = open(dir);
    for (let i = 0; i < 200; i++) b.append(hb(i));
    const stream = b.stream;
    b.close();
    const b2 = open(dir);
    expect(b2.stream).toBe(stream);
    expect(b2.pending()).toBe(200);
    expect(drain(b2)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(b2.pending()).toBe(0);
    const next = b2.append(hb(999));
    expect(next.seq).toBe(201);
    b2.close();
  });

  it('acked records are not sent again after a restart and their segments are deleted', () => {
    const dir = tmp();
    const b = open(dir);
    for (let i = 0; i < 300; i++) b.append(hb(i));
    const first = b.nextBatch(120, 1 << 20, 0);
    b.ack(first.map((s) => s.seq));
    const before = segFiles(dir).length;
    b.close();
    const b2 = open(dir);
    expect(segFiles(dir).length).toBeLessThanOrEqual(before);
    expect(drain(b2)).toEqual(Array.from({ length: 180 }, (_, i) => i + 121));
    b2.close();
  });

  it('fresh samples go first while the backlog replays in order', () => {
    const dir = tmp();
    const b = open(dir);
    for (let i = 0; i < 100; i++) b.append(hb(i));
    const batch = b.nextBatch(10, 1 << 20, 2);
    expect(batch.map((s) => s.seq)).toEqual([99, 100, 1, 2, 3, 4, 5, 6, 7, 8]);
    b.ack(batch.map((s) => s.seq));
    const rest = drain(b, 10);
    expect(rest).toEqual(Array.from({ length: 90 }, (_, i) => i + 9));
    expect(b.pending()).toBe(0);
    b.close();
  });

  it('a torn tail (truncated mid-record) is cut back to the last good record and counted', () => {
    const dir = tmp();
    const b = open(dir, { segmentBytes: 1 << 20 });
    for (let i = 0; i < 50; i++) b.append(hb(i));
    b.close();
    const [seg] = segFiles(dir);
    truncateSync(seg!, statSync(seg!).size - 7);
    const b2 = open(dir, { segmentBytes: 1 << 20 });
    expect(b2.stats.corruptCuts).toBe(1);
    expect(b2.stats.cutBytes).toBeGreaterThan(0);
    expect(drain(b2)).toEqual(Array.from({ length: 49 }, (_, i) => i + 1));
    // The seq counter never goes back: the lost seq 50 is not reused.
    expect(b2.append(hb(1)).seq).toBeGreaterThan(50);
    b2.close();
  });

  it('a corrupted record (bit flip) ends the good part of its segment; later segments survive', () => {
    const dir = tmp();
    const b = open(dir);
    for (let i = 0; i < 120; i++) b.append(hb(i));
    b.close();
    const files = segFiles(dir);
    expect(files.length).toBeGreaterThan(2);
    // Flip a byte in the middle of the first segment.
    const buf = readFileSync(files[0]!);
    const at = Math.floor(buf.length / 2);
    buf[at] = buf[at]! ^ 0xff;
    writeFileSync(files[0]!, buf);
    const b2 = open(dir);
    expect(b2.stats.corruptCuts).toBe(1);
    const got = drain(b2);
    // Strictly increasing, and everything from the second segment on is there.
    expect(got).toEqual([...got].sort((x, y) => x - y));
    expect(got.at(-1)).toBe(120);
    expect(got.length).toBeLessThan(120);
    expect(got.length).toBeGreaterThan(60);
    b2.close();
  });

  it('garbage appended after the last record is cut', () => {
    const dir = tmp();
    const b = open(dir, { segmentBytes: 1 << 20 });
    for (let i = 0; i < 10; i++) b.append(hb(i));
    b.close();
    const [seg] = segFiles(dir);
    const fd = openSync(seg!, 'a');
    writeSync(fd, Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3]));
    closeSync(fd);
    const b2 = open(dir, { segmentBytes: 1 << 20 });
    expect(b2.stats.corruptCuts).toBe(1);
    expect(drain(b2)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    b2.close();
  });

  it('stays within its cap, drops oldest first and counts the drop', () => {
    const dir = tmp();
    const maxBytes = 256 * 1024;
    const b = open(dir, { maxBytes, segmentBytes: 16 * 1024 });
    const n = 5000;
    for (let i = 0; i < n; i++) {
      b.append(hb(i));
      expect(b.stats.bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(dirBytes(join(dir, 'buffer'))).toBeLessThanOrEqual(maxBytes);
    expect(b.stats.dropped).toBeGreaterThan(0);
    const got = drain(b);
    expect(got.length + b.stats.dropped).toBe(n);
    // What is left is the newest, in order.
    expect(got.at(-1)).toBe(n);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => n - got.length + i + 1));
    b.close();
  });

  it('a simulated day of collector outage (17,280 samples at 5 s, with checks) stays within the cap', () => {
    const day = 86400 / 5;
    const checks = fixtures.report().samples[0]!.checks!;
    const disks = fixtures.report().samples[0]!.disks!;
    const full = (i: number) => ({ ...hb(i), disks, checks });
    // Default cap: a whole day fits, nothing is dropped.
    const dir = tmp();
    const b = open(dir, { segmentBytes: 1024 * 1024 });
    for (let i = 0; i < day; i++) b.append(full(i));
    expect(b.stats.dropped).toBe(0);
    expect(b.pending()).toBe(day);
    expect(dirBytes(join(dir, 'buffer'))).toBeLessThan(64 * 1024 * 1024);
    b.close();
    // A cap smaller than a day: the buffer never exceeds it, drops the oldest, counts every drop.
    const dir2 = tmp();
    const cap = 2 * 1024 * 1024;
    const b2 = open(dir2, { maxBytes: cap, segmentBytes: 256 * 1024 });
    let peak = 0;
    for (let i = 0; i < day; i++) {
      b2.append(full(i));
      if (i % 500 === 0) peak = Math.max(peak, dirBytes(join(dir2, 'buffer')));
    }
    expect(peak).toBeLessThanOrEqual(cap);
    expect(b2.stats.dropped).toBeGreaterThan(0);
    expect(b2.stats.dropped + b2.pending()).toBe(day);
    const first = b2.nextBatch(1, 1 << 20, 0)[0]!;
    expect(first.seq).toBe(b2.stats.dropped + 1); // the oldest kept is the one right after the drops
    b2.close();
  });

  it('peek (for `status`) counts pending records without writing anything', () => {
    const dir = tmp();
    const b = open(dir);
    for (let i = 0; i < 30; i++) b.append(hb(i));
    b.ack(b.nextBatch(10, 1 << 20, 0).map((s) => s.seq));
    b.close();
    const before = readdirSync(join(dir, 'buffer')).join() + readdirSync(dir).join();
    expect(DiskBuffer.peek(dir)).toMatchObject({ records: 20, ackedUpTo: 10 });
    expect(readdirSync(join(dir, 'buffer')).join() + readdirSync(dir).join()).toBe(before);
    expect(DiskBuffer.peek(join(dir, 'nope'))).toBeUndefined();
  });
});
