/**
 * Durable on-disk buffer of samples: an append log split into segment files.
 *
 * Frame: u32 LE payload length | u32 LE CRC32(payload) | payload (the sample as JSON).
 * - `append` writes synchronously (the bytes are in the page cache when it returns, so a
 *   `kill -9` loses nothing); an fsync runs at least every `fsyncIntervalMs` for power loss.
 * - On open, every segment is scanned; a torn or corrupted record ends that segment: the file is
 *   cut back to the last good record and the cut is counted (`stats.corruptCuts`, `stats.cutBytes`).
 * - Acknowledged records are removed by a committed ack state (`acked.json`: a low-water mark plus
 *   the few seqs acked out of order) and by deleting fully acknowledged segment files.
 * - Bounded: when the segments exceed `maxBytes`, the oldest segment goes first; its unacked
 *   records are counted in `stats.dropped`.
 * - `stream` (random, created with the state directory) and the seq counter live in `meta.json`;
 *   the counter never goes back, even when the tail was cut (see `open`).
 */
import {
  closeSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  ftruncateSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { crc32 } from '../lazy.ts';
import type { Sample } from '@timmy/shared';

export interface BufferOptions {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
  fsyncIntervalMs: number;
}

export interface BufferStats {
  records: number;
  bytes: number;
  segments: number;
  dropped: number;
  corruptCuts: number;
  cutBytes: number;
  ackedUpTo: number;
  lastSeq: number;
}

interface Segment {
  file: string;
  firstSeq: number;
  lastSeq: number;
  count: number;
  size: number;
}

const HEADER = 8;
const MAX_RECORD = 4 * 1024 * 1024;
/** After a cut tail we cannot know how many seqs were handed out: skip ahead so none is reused. */
const SEQ_SAFETY_GAP = 1000;
const ACK_PERSIST_MS = 30_000;

export function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  payload.copy(out, HEADER);
  return out;
}

/** Parses the frames of one segment; stops at the first bad one and says where the good part ends. */
export function scanFrames(buf: Buffer, minSeq = 0): { samples: Sample[]; goodBytes: number; bad: boolean } {
  const samples: Sample[] = [];
  let off = 0;
  let prev = minSeq;
  while (off < buf.length) {
    if (buf.length - off < HEADER) return { samples, goodBytes: off, bad: true };
    const len = buf.readUInt32LE(off);
    if (len === 0 || len > MAX_RECORD || off + HEADER + len > buf.length) return { samples, goodBytes: off, bad: true };
    const payload = buf.subarray(off + HEADER, off + HEADER + len);
    if (crc32(payload) !== buf.readUInt32LE(off + 4)) return { samples, goodBytes: off, bad: true };
    let s: Sample;
    try {
      s = JSON.parse(payload.toString('utf8')) as Sample;
    } catch {
      return { samples, goodBytes: off, bad: true };
    }
    if (!Number.isInteger(s?.seq) || s.seq <= prev) return { samples, goodBytes: off, bad: true };
    prev = s.seq;
    samples.push(s);
    off += HEADER + len;
  }
  return { samples, goodBytes: off, bad: false };
}

const segName = (firstSeq: number) => `seg-${String(firstSeq).padStart(16, '0')}.log`;

export class DiskBuffer {
  readonly stream: string;
  readonly stats: BufferStats;
  private segments: Segment[] = [];
  private fd: number | undefined;
  private dirty = false;
  private dirDirty = false;
  private timer: NodeJS.Timeout | undefined;
  private ackedExtra = new Set<number>();
  /** The newest samples, kept in memory so a live push needs no disk read. */
  private recent: Sample[] = [];
  private readonly segDir: string;

  private readonly opts: BufferOptions;

  private constructor(opts: BufferOptions, stream: string, seqFloor: number) {
    this.opts = opts;
    this.stream = stream;
    this.segDir = join(opts.dir, 'buffer');
    this.stats = { records: 0, bytes: 0, segments: 0, dropped: 0, corruptCuts: 0, cutBytes: 0, ackedUpTo: 0, lastSeq: seqFloor };
  }

  /** Opens (or creates) the buffer under `dir`, recovering from a torn or corrupted tail. */
  static open(opts: BufferOptions): DiskBuffer {
    mkdirSync(join(opts.dir, 'buffer'), { recursive: true, mode: 0o700 });
    const metaFile = join(opts.dir, 'meta.json');
    let meta: { stream: string; seq: number };
    try {
      meta = JSON.parse(readFileSync(metaFile, 'utf8'));
      if (typeof meta.stream !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(meta.stream)) throw new Error('bad meta');
      if (!Number.isInteger(meta.seq)) meta.seq = 0;
    } catch {
      meta = { stream: randomBytes(12).toString('base64url'), seq: 0 };
      atomicWrite(metaFile, JSON.stringify(meta));
    }
    const b = new DiskBuffer(
      { ...opts, segmentBytes: Math.max(4096, Math.min(opts.segmentBytes, Math.floor(opts.maxBytes / 8))) },
      meta.stream,
      meta.seq,
    );
    b.loadAcked();
    b.recover();
    b.persistMeta();
    b.timer = setInterval(() => b.sync(), opts.fsyncIntervalMs);
    b.timer.unref();
    return b;
  }

  private loadAcked() {
    try {
      const a = JSON.parse(readFileSync(join(this.opts.dir, 'acked.json'), 'utf8')) as { upTo: number; extra: number[] };
      if (Number.isInteger(a.upTo)) this.stats.ackedUpTo = a.upTo;
      for (const s of a.extra ?? []) if (Number.isInteger(s) && s > a.upTo) this.ackedExtra.add(s);
    } catch {
      // no ack yet
    }
  }

  private recover() {
    const files = readdirSync(this.segDir)
      .filter((f) => /^seg-\d{16}\.log$/.test(f))
      .sort();
    let prevSeq = 0;
    let lastRecords: Sample[] = [];
    for (const file of files) {
      const path = join(this.segDir, file);
      const buf = readFileSync(path);
      const r = scanFrames(buf, prevSeq);
      if (r.bad) {
        this.stats.corruptCuts++;
        this.stats.cutBytes += buf.length - r.goodBytes;
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, r.goodBytes);
        fsyncSync(fd);
        closeSync(fd);
      }
      if (r.samples.length === 0) {
        rmSync(path, { force: true });
        continue;
      }
      const firstSeq = r.samples[0]!.seq;
      const lastSeq = r.samples[r.samples.length - 1]!.seq;
      this.segments.push({ file: path, firstSeq, lastSeq, count: r.samples.length, size: r.goodBytes });
      prevSeq = lastSeq;
      lastRecords = r.samples;
    }
    const bump = this.stats.corruptCuts > 0 ? SEQ_SAFETY_GAP : 0;
    this.stats.lastSeq = Math.max(this.stats.lastSeq, prevSeq, this.stats.ackedUpTo, ...this.ackedExtra) + bump;
    this.recent = lastRecords.slice(-32);
    this.recount();
  }

  private recount() {
    this.stats.segments = this.segments.length;
    this.stats.bytes = this.segments.reduce((n, s) => n + s.size, 0);
    let n = 0;
    for (const s of this.segments) n += this.pendingIn(s);
    this.stats.records = n;
  }

  /** Seqs are contiguous inside a segment (a restart always starts a new one), so this is exact. */
  private pendingIn(seg: Segment): number {
    const from = Math.max(seg.firstSeq, this.stats.ackedUpTo + 1);
    if (from > seg.lastSeq) return 0;
    let n = seg.lastSeq - from + 1;
    for (const x of this.ackedExtra) if (x >= from && x <= seg.lastSeq) n--;
    return n;
  }

  private persistMeta() {
    atomicWrite(join(this.opts.dir, 'meta.json'), JSON.stringify({ stream: this.stream, seq: this.stats.lastSeq }));
  }

  /** Assigns the next seq, appends durably (to the page cache now, fsync within the interval), returns the sample. */
  append(s: Omit<Sample, 'seq'>): Sample {
    const sample = { seq: this.stats.lastSeq + 1, ...s } as Sample;
    const bytes = frame(Buffer.from(JSON.stringify(sample)));
    let seg = this.segments[this.segments.length - 1];
    if (!seg || this.fd === undefined || seg.size + bytes.length > this.opts.segmentBytes) {
      seg = this.roll(sample.seq);
    }
    writeSync(this.fd!, bytes);
    this.stats.lastSeq = sample.seq;
    seg.lastSeq = sample.seq;
    seg.count++;
    seg.size += bytes.length;
    this.stats.bytes += bytes.length;
    this.stats.records++;
    this.dirty = true;
    this.recent.push(sample);
    if (this.recent.length > 32) this.recent.shift();
    this.enforceCap();
    return sample;
  }

  private roll(firstSeq: number): Segment {
    if (this.fd !== undefined) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
      this.persistMeta(); // the seq floor moves with every new segment
    }
    const seg: Segment = { file: join(this.segDir, segName(firstSeq)), firstSeq, lastSeq: firstSeq - 1, count: 0, size: 0 };
    this.fd = openSync(seg.file, 'a', 0o600);
    this.segments.push(seg);
    this.stats.segments = this.segments.length;
    this.dirDirty = true;
    return seg;
  }

  private enforceCap() {
    while (this.stats.bytes > this.opts.maxBytes && this.segments.length > 1) {
      const old = this.segments.shift()!;
      const lost = this.pendingIn(old);
      this.stats.dropped += lost;
      rmSync(old.file, { force: true });
      this.stats.bytes -= old.size;
      if (old.lastSeq > this.stats.ackedUpTo) this.markAcked([], old.lastSeq); // dropped: nothing below this is pending
      this.stats.segments = this.segments.length;
    }
    this.recount();
  }

  /** fsyncs the active segment when something was written since the last sync. */
  sync(): void {
    if (this.dirty && this.fd !== undefined) {
      this.dirty = false;
      fsync(this.fd, () => {});
    }
    if (this.dirDirty) {
      this.dirDirty = false;
      try {
        const d = openSync(this.segDir, 'r');
        fsyncSync(d);
        closeSync(d);
      } catch {
        // directory fsync is best effort on odd filesystems
      }
    }
  }

  private isAcked(seq: number): boolean {
    return seq <= this.stats.ackedUpTo || this.ackedExtra.has(seq);
  }

  /**
   * The next batch to send: the newest unacked samples first (`live` of them: a recovering
   * collector sees the node alive at once), then the backlog oldest-first.
   */
  nextBatch(maxSamples: number, maxBytes: number, live = 3): Sample[] {
    const out: Sample[] = [];
    const taken = new Set<number>();
    let bytes = 0;
    const take = (s: Sample) => {
      const n = JSON.stringify(s).length;
      if (out.length >= maxSamples || (out.length > 0 && bytes + n > maxBytes)) return false;
      out.push(s);
      taken.add(s.seq);
      bytes += n;
      return true;
    };
    const pendingRecent = this.recent.filter((s) => !this.isAcked(s.seq));
    for (const s of live > 0 ? pendingRecent.slice(-live) : []) if (!take(s)) return out;
    // Is there anything older than the in-memory window?
    const firstRecent = this.recent[0]?.seq ?? Infinity;
    const minPending = this.minPendingSeq();
    if (minPending !== undefined && minPending < firstRecent) {
      for (const seg of this.segments) {
        if (seg.lastSeq <= this.stats.ackedUpTo) continue;
        for (const s of scanFrames(safeRead(seg.file)).samples) {
          if (this.isAcked(s.seq) || taken.has(s.seq)) continue;
          if (!take(s)) return out;
        }
        if (seg.lastSeq >= firstRecent) break;
      }
    }
    for (const s of pendingRecent) if (!taken.has(s.seq) && !take(s)) return out;
    return out;
  }

  /** Marks seqs acknowledged (delivered or dead-lettered) and removes fully acknowledged segments. */
  ack(seqs: number[]): void {
    this.markAcked(seqs);
    // Delete segments whose records are all acknowledged, except the one being written.
    let deleted = false;
    while (this.segments.length > 1 && this.segments[0]!.lastSeq <= this.stats.ackedUpTo) {
      rmSync(this.segments.shift()!.file, { force: true });
      deleted = true;
    }
    this.recount();
    if (deleted || Date.now() - this.ackPersistedAt >= ACK_PERSIST_MS) this.persistAcked();
  }

  /**
   * The committed read position. Written at most every ACK_PERSIST_MS (and whenever a segment goes,
   * and at close), without fsync: losing the newest ack state to a crash only means re-sending the
   * last few seconds, which the collector stores once (idempotent by seq).
   */
  private persistAcked() {
    this.ackPersistedAt = Date.now();
    atomicWrite(
      join(this.opts.dir, 'acked.json'),
      JSON.stringify({ upTo: this.stats.ackedUpTo, extra: [...this.ackedExtra].sort((a, b) => a - b) }),
      0o600,
      false,
    );
  }
  private ackPersistedAt = 0;

  private markAcked(seqs: number[], floor = 0) {
    if (floor > this.stats.ackedUpTo) this.stats.ackedUpTo = floor;
    for (const s of seqs) if (s > this.stats.ackedUpTo) this.ackedExtra.add(s);
    for (const s of this.ackedExtra) if (s <= this.stats.ackedUpTo) this.ackedExtra.delete(s);
    // Advance the low-water mark over seqs that exist and are acked, and over gaps (seqs never written).
    for (;;) {
      const next = this.stats.ackedUpTo + 1;
      if (this.ackedExtra.has(next)) {
        this.ackedExtra.delete(next);
        this.stats.ackedUpTo = next;
        continue;
      }
      const pendingMin = this.minPendingSeq();
      if (pendingMin === undefined) {
        this.stats.ackedUpTo = Math.max(this.stats.ackedUpTo, this.stats.lastSeq);
        this.ackedExtra.clear();
        break;
      }
      if (pendingMin > next) {
        this.stats.ackedUpTo = pendingMin - 1;
        for (const s of this.ackedExtra) if (s <= this.stats.ackedUpTo) this.ackedExtra.delete(s);
        continue;
      }
      break;
    }
  }

  /** The smallest seq present in the buffer that is not acknowledged. */
  private minPendingSeq(): number | undefined {
    for (const seg of this.segments) {
      for (let s = Math.max(seg.firstSeq, this.stats.ackedUpTo + 1); s <= seg.lastSeq; s++) if (!this.ackedExtra.has(s)) return s;
    }
    return undefined;
  }

  /** Read-only figures for `timmy-fleet status` when the daemon is not running: writes nothing. */
  static peek(dir: string): Pick<BufferStats, 'records' | 'bytes' | 'segments' | 'ackedUpTo'> | undefined {
    let files: string[];
    try {
      files = readdirSync(join(dir, 'buffer')).filter((f) => /^seg-\d{16}\.log$/.test(f));
    } catch {
      return undefined;
    }
    let upTo = 0;
    let extra: number[] = [];
    try {
      const a = JSON.parse(readFileSync(join(dir, 'acked.json'), 'utf8')) as { upTo: number; extra?: number[] };
      upTo = a.upTo;
      extra = a.extra ?? [];
    } catch {
      // nothing acknowledged yet
    }
    let records = 0;
    let bytes = 0;
    for (const f of files) {
      const buf = safeRead(join(dir, 'buffer', f));
      bytes += buf.length;
      for (const smp of scanFrames(buf).samples) if (smp.seq > upTo && !extra.includes(smp.seq)) records++;
    }
    return { records, bytes, segments: files.length, ackedUpTo: upTo };
  }

  pending(): number {
    return this.stats.records;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.persistAcked();
    if (this.fd !== undefined) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
    }
    this.persistMeta();
  }
}

function safeRead(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    return Buffer.alloc(0);
  }
}

/** Write to a temp file, fsync, rename: readers see the old or the new content, never half. */
export function atomicWrite(path: string, data: string | Buffer, mode = 0o600, durable = true): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) n += statSync(join(dir, f)).size;
  return n;
}
