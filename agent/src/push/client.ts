/**
 * Pushes buffered samples to the collector:
 * - POST {collectorUrl}/v1/reports, `Authorization: Bearer <credential>`, JSON, gzip above ~1 KiB;
 * - 2xx: the batch is acknowledged (deleted); per-sample `rejected` entries go to the dead-letter file;
 * - 5xx / 429 / network: keep, retry with full-jitter backoff 1 s..`push.retryMaxS` (60 s), `Retry-After` honoured up to it;
 * - 400 / 413 / 422: the batch goes to the dead-letter file (counted) and is acknowledged locally;
 * - 401 / 403: keep the data, re-read the credential file, retry with backoff;
 * - `ack.credential`: the new credential is written atomically (0600) and used from then on.
 * The credential never appears in a log line, an error or a stat.
 */
import { appendFileSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { Value } from '@sinclair/typebox/value';
import { ReportAck, WIRE_VERSION, parseRetryAfter, retryDelay, type Backoff, type Inventory, type Report } from '@timmy/shared';
import { atomicWrite, type DiskBuffer } from './buffer.ts';
import { zlibModule } from '../lazy.ts';
import { makeTransport, type HttpResponse, type Transport } from './transport.ts';
import type { AgentFacts } from '../probes/probe.ts';

export interface PushOptions {
  collectorUrl: string;
  credentialFile: string;
  stateDir: string;
  caFile?: string;
  agentVersion: string;
  timeoutS: number;
  gzipMinBytes: number;
  maxBatchSamples: number;
  maxBatchBytes: number;
  deadLetterMaxBytes: number;
  /** The backoff cap in seconds (`push.retryMaxS`); PUSH_BACKOFF's 60 s when absent. */
  retryMaxS?: number;
}

export interface PushStats {
  requests: number;
  ackedSamples: number;
  duplicates: number;
  rejectedSamples: number;
  deadLetteredSamples: number;
  retries: number;
  authFailures: number;
  rotations: number;
  consecutiveFailures: number;
  lastStatus?: number;
  lastError?: string;
  lastAckAt?: number;
  credentialExpiresAt?: number;
}

export type PushOutcome = { kind: 'idle' } | { kind: 'ok'; more: boolean } | { kind: 'retry'; delayMs: number; reason: string };

/** Push retries: 1 s up to 60 s by default (`push.retryMaxS`; the one policy in @timmy/shared's retry module). */
export const PUSH_BACKOFF: Backoff = { baseMs: 1000, capMs: 60_000 };

export function readCredential(file: string): string | undefined {
  try {
    const t = readFileSync(file, 'utf8').trim();
    return t || undefined;
  } catch {
    return undefined;
  }
}

export class Pusher {
  readonly stats: PushStats = {
    requests: 0,
    ackedSamples: 0,
    duplicates: 0,
    rejectedSamples: 0,
    deadLetteredSamples: 0,
    retries: 0,
    authFailures: 0,
    rotations: 0,
    consecutiveFailures: 0,
  };
  private credential: string | undefined;
  private inventory: Inventory | undefined;
  private inventorySentKey = '';
  private readonly transport: Transport;
  private readonly url: URL;
  private readonly opts: PushOptions;
  private readonly buffer: DiskBuffer;
  private readonly log: Logger;
  private readonly facts: AgentFacts;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly backoff: Backoff;
  private wake: (() => void) | undefined;
  private running = false;
  private stopTimer: (() => void) | undefined;

  constructor(
    opts: PushOptions,
    buffer: DiskBuffer,
    log: Logger,
    facts: AgentFacts,
    deps: { random?: () => number; now?: () => number; transport?: Transport } = {},
  ) {
    this.opts = opts;
    this.buffer = buffer;
    this.log = log;
    this.facts = facts;
    this.random = deps.random ?? Math.random;
    this.now = deps.now ?? Date.now;
    this.backoff = opts.retryMaxS === undefined ? PUSH_BACKOFF : { ...PUSH_BACKOFF, capMs: Math.round(opts.retryMaxS * 1000) };
    this.url = new URL('v1/reports', opts.collectorUrl.endsWith('/') ? opts.collectorUrl : `${opts.collectorUrl}/`);
    this.transport = deps.transport ?? makeTransport({ caFile: opts.caFile });
    this.credential = readCredential(opts.credentialFile);
    try {
      const meta = JSON.parse(readFileSync(join(opts.stateDir, 'credential.json'), 'utf8')) as { expiresAt?: number };
      if (typeof meta.expiresAt === 'number') this.stats.credentialExpiresAt = meta.expiresAt;
    } catch {
      // no metadata yet
    }
  }

  /** Inventory to send with the next report; sent again only when it changes. */
  setInventory(inv: Inventory): void {
    const key = JSON.stringify(inv);
    if (key !== this.inventorySentKey) this.inventory = inv;
  }

  hasWork(): boolean {
    return this.buffer.pending() > 0 || this.inventory !== undefined;
  }

  /** One request. Never throws. */
  async pushOnce(): Promise<PushOutcome> {
    const samples = this.buffer.nextBatch(this.opts.maxBatchSamples, this.opts.maxBatchBytes);
    if (!samples.length) return { kind: 'idle' };
    if (!this.credential) this.credential = readCredential(this.opts.credentialFile);
    if (!this.credential) return this.fail(`no credential in ${this.opts.credentialFile}: run \`timmy-fleet join\``);
    const sentAt = this.now();
    const report: Report = {
      v: WIRE_VERSION,
      stream: this.buffer.stream,
      agentVersion: this.opts.agentVersion,
      sentAt,
      samples,
      ...(this.inventory ? { inventory: this.inventory } : {}),
    };
    const json = Buffer.from(JSON.stringify(report));
    const gzip = json.length > this.opts.gzipMinBytes;
    const body = gzip ? zlibModule().gzipSync(json) : json;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      authorization: `Bearer ${this.credential}`,
      'user-agent': `timmy-fleet/${this.opts.agentVersion}`,
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    };
    this.stats.requests++;
    let res: HttpResponse;
    try {
      res = await this.transport.request(this.url, { method: 'POST', headers, body, timeoutMs: this.opts.timeoutS * 1000 });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return this.fail(`network: ${err.code ?? err.name}: ${err.message}`.slice(0, 300));
    }
    const received = this.now();
    const { text, status } = res;
    this.stats.lastStatus = status;
    if (status >= 200 && status < 300) {
      let ack: ReportAck | undefined;
      try {
        const parsed = JSON.parse(text);
        if (Value.Check(ReportAck, parsed)) ack = parsed;
      } catch {
        // fall through: a 2xx means committed; the body only adds detail
      }
      if (!ack) this.log.warn({ status }, 'collector answered 2xx with an unexpected body; treating the batch as acknowledged');
      this.clockFrom(ack?.serverTime, res.headers.date, sentAt, received);
      if (ack?.rejected.length) {
        const bySeq = new Map(samples.map((s) => [s.seq, s]));
        const rejected = ack.rejected.map((r) => ({ ...r, sample: bySeq.get(r.seq) }));
        this.deadLetter({ status, reason: 'rejected per sample', rejected });
        this.stats.rejectedSamples += ack.rejected.length;
        this.log.warn(
          { rejected: ack.rejected.length, codes: [...new Set(ack.rejected.map((r) => r.code))] },
          'collector rejected samples; moved to the dead-letter file',
        );
      }
      this.buffer.ack(samples.map((s) => s.seq));
      this.stats.ackedSamples += ack?.accepted ?? samples.length;
      this.stats.duplicates += ack?.duplicates ?? 0;
      this.stats.lastAckAt = received;
      this.stats.consecutiveFailures = 0;
      delete this.stats.lastError;
      if (report.inventory) {
        this.inventorySentKey = JSON.stringify(report.inventory);
        if (this.inventory === report.inventory) this.inventory = undefined;
      }
      if (ack?.credential) this.rotate(ack.credential.token, ack.credential.expiresAt);
      return { kind: 'ok', more: this.buffer.pending() > 0 };
    }
    const code = errorCode(text);
    if (status === 400 || status === 413 || status === 422) {
      this.deadLetter({ status, code, reason: 'batch refused', samples });
      this.stats.deadLetteredSamples += samples.length;
      this.buffer.ack(samples.map((s) => s.seq));
      this.log.error({ status, code, samples: samples.length }, 'collector refused the batch; moved to the dead-letter file');
      return { kind: 'ok', more: this.buffer.pending() > 0 };
    }
    if (status === 401 || status === 403) {
      this.stats.authFailures++;
      this.credential = readCredential(this.opts.credentialFile);
      return this.fail(`collector refused the credential (HTTP ${status}${code ? ` ${code}` : ''}); re-read ${this.opts.credentialFile}`);
    }
    const retryAfter = parseRetryAfter(res.headers['retry-after'], received);
    return this.fail(`HTTP ${status}${code ? ` ${code}` : ''}`, retryAfter);
  }

  private fail(reason: string, retryAfterMs?: number): PushOutcome {
    this.stats.consecutiveFailures++;
    this.stats.retries++;
    this.stats.lastError = reason;
    const delayMs = retryDelay(this.stats.consecutiveFailures, this.backoff, this.random, retryAfterMs);
    this.log.warn({ reason, delayMs, attempt: this.stats.consecutiveFailures, pending: this.buffer.pending() }, 'push failed; will retry');
    return { kind: 'retry', delayMs, reason };
  }

  private clockFrom(serverTime: number | undefined, dateHeader: unknown, sent: number, received: number) {
    const mid = (sent + received) / 2;
    const server = serverTime ?? (typeof dateHeader === 'string' ? Date.parse(dateHeader) + 500 : NaN);
    if (Number.isFinite(server)) this.facts.clockOffsetMs = Math.round(mid - server);
  }

  private rotate(token: string, expiresAt: number) {
    atomicWrite(this.opts.credentialFile, `${token}\n`, 0o600);
    atomicWrite(join(this.opts.stateDir, 'credential.json'), JSON.stringify({ expiresAt, rotatedAt: this.now() }));
    this.credential = token;
    this.stats.rotations++;
    this.stats.credentialExpiresAt = expiresAt;
    this.log.info({ expiresAt: new Date(expiresAt).toISOString() }, 'credential rotated');
  }

  private deadLetter(entry: Record<string, unknown>) {
    const file = join(this.opts.stateDir, 'deadletter.jsonl');
    try {
      if (statSync(file).size > this.opts.deadLetterMaxBytes) renameSync(file, `${file}.1`);
    } catch {
      // no file yet
    }
    appendFileSync(file, `${JSON.stringify({ at: new Date(this.now()).toISOString(), ...entry })}\n`, { mode: 0o600 });
  }

  /** Signals that new samples were appended. */
  notify(): void {
    this.wake?.();
  }

  /** The push loop: drains the buffer, sleeps on failure, waits for `notify` when idle. */
  async run(): Promise<void> {
    this.running = true;
    while (this.running) {
      const out = this.hasWork() ? await this.pushOnce() : ({ kind: 'idle' } as const);
      if (!this.running) break;
      if (out.kind === 'ok' && out.more) continue;
      if (out.kind === 'retry') await this.sleep(out.delayMs, false);
      else await this.sleep(3600_000, true);
    }
  }

  private sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.stopTimer = done;
      if (wakeable) this.wake = done;
    }).then(() => {
      this.wake = undefined;
      this.stopTimer = undefined;
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopTimer?.();
    this.transport.close();
  }
}

function errorCode(text: string): string | undefined {
  try {
    const c = (JSON.parse(text) as { code?: unknown }).code;
    return typeof c === 'string' ? c.slice(0, 64) : undefined;
  } catch {
    return undefined;
  }
}
