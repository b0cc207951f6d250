import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { rootLogger } from '../log.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtures, type Report } from '@timmy/shared';
import { DiskBuffer } from './buffer.ts';
import { Pusher } from './client.ts';
import { transportProblem } from './transport.ts';
import { selfSignedCert } from '../../../test/support/tls.ts';

interface Seen {
  auth: string | undefined;
  encoding: string | undefined;
  report: Report;
}
type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

let server: Server;
let url: string;
let seen: Seen[];
let replies: Array<(r: Report) => Reply>;
let dir: string;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

beforeEach(async () => {
  seen = [];
  replies = [];
  dir = mkdtempSync(join(tmpdir(), 'timmy-client-'));
  server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const enc = req.headers['content-encoding'];
    const report = JSON.parse((enc === 'gzip' ? gunzipSync(raw) : raw).toString()) as Report;
    seen.push({ auth: req.headers.authorization, encoding: enc, report });
    const next = replies.shift() ?? ((): Reply => ({ status: 200 }));
    const r = next(report);
    const body = r.body ?? { accepted: report.samples.length, duplicates: 0, rejected: [], serverTime: Date.now() };
    res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const log = rootLogger('silent');
const hb = (i: number) => ({ ts: 1763683200000 + i * 5000, heartbeat: { bootId: 'b', uptimeS: i, agentRssBytes: 1, agentCpuSeconds: 0 } });

function setup(samples = 3, opts: Partial<{ gzipMinBytes: number; retryMaxS: number }> = {}) {
  const credentialFile = join(dir, 'credential');
  writeFileSync(credentialFile, 'tok-1\n', { mode: 0o600 });
  const buffer = DiskBuffer.open({ dir, maxBytes: 1 << 24, segmentBytes: 1 << 16, fsyncIntervalMs: 1000 });
  for (let i = 0; i < samples; i++) buffer.append(hb(i));
  const facts = {} as { clockOffsetMs?: number };
  const pusher = new Pusher(
    {
      collectorUrl: url,
      credentialFile,
      stateDir: dir,
      agentVersion: '0.1.0-test',
      timeoutS: 5,
      gzipMinBytes: opts.gzipMinBytes ?? 1024,
      maxBatchSamples: 1000,
      maxBatchBytes: 1 << 20,
      deadLetterMaxBytes: 1 << 20,
      ...(opts.retryMaxS === undefined ? {} : { retryMaxS: opts.retryMaxS }),
    },
    buffer,
    log,
    facts,
    { random: () => 0.5 },
  );
  return { pusher, buffer, facts, credentialFile };
}
const deadLetters = () =>
  existsSync(join(dir, 'deadletter.jsonl'))
    ? readFileSync(join(dir, 'deadletter.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : [];

describe('Pusher against a real HTTP server on loopback', () => {
  it('2xx: sends a valid Report with the bearer credential, deletes the batch, measures clock offset', async () => {
    const { pusher, buffer, facts } = setup(3);
    const serverTime = Date.now() - 60_000; // the collector's clock is a minute behind ours
    replies.push((r) => ({ status: 200, body: { accepted: r.samples.length, duplicates: 0, rejected: [], serverTime } }));
    const out = await pusher.pushOnce();
    expect(out).toEqual({ kind: 'ok', more: false });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.auth).toBe('Bearer tok-1');
    expect(seen[0]!.report.v).toBe(1);
    expect(seen[0]!.report.stream).toBe(buffer.stream);
    expect(seen[0]!.report.samples.map((s) => s.seq).sort()).toEqual([1, 2, 3]);
    expect(buffer.pending()).toBe(0);
    expect(facts.clockOffsetMs).toBeGreaterThan(50_000);
    expect(await pusher.pushOnce()).toEqual({ kind: 'idle' });
    await pusher.stop();
    buffer.close();
  });

  it('compresses bodies above the threshold and not below', async () => {
    const small = setup(1);
    await small.pusher.pushOnce();
    expect(seen[0]!.encoding).toBeUndefined();
    for (let i = 0; i < 40; i++) small.buffer.append(hb(i));
    await small.pusher.pushOnce();
    expect(seen[1]!.encoding).toBe('gzip');
    expect(seen[1]!.report.samples).toHaveLength(40);
    await small.pusher.stop();
    small.buffer.close();
  });

  it.each([500, 502, 503])('%i keeps the data and retries with backoff', async (status) => {
    const { pusher, buffer } = setup(2);
    replies.push(() => ({ status, body: { code: 'FLEET_UNAVAILABLE' } }));
    const out = await pusher.pushOnce();
    expect(out.kind).toBe('retry');
    expect(buffer.pending()).toBe(2);
    expect(await pusher.pushOnce()).toEqual({ kind: 'ok', more: false });
    expect(seen[1]!.report.samples.map((s) => s.seq).sort()).toEqual([1, 2]);
    await pusher.stop();
    buffer.close();
  });

  it('429 with Retry-After: the delay is the server’s', async () => {
    const { pusher, buffer } = setup(1);
    replies.push(() => ({ status: 429, headers: { 'retry-after': '17' }, body: { code: 'FLEET_RATE_LIMITED' } }));
    const out = await pusher.pushOnce();
    expect(out).toMatchObject({ kind: 'retry', delayMs: 17_000 });
    expect(buffer.pending()).toBe(1);
    await pusher.stop();
    buffer.close();
  });

  it('push.retryMaxS caps the backoff and a Retry-After (60 s without it)', async () => {
    const failures = async (retryMaxS?: number) => {
      const { pusher, buffer } = setup(1, retryMaxS === undefined ? {} : { retryMaxS });
      const delays: number[] = [];
      for (let i = 0; i < 10; i++) {
        replies.push(() => ({ status: 503, body: { code: 'FLEET_UNAVAILABLE' } }));
        delays.push(((await pusher.pushOnce()) as { delayMs: number }).delayMs);
      }
      replies.push(() => ({ status: 429, headers: { 'retry-after': '17' }, body: { code: 'FLEET_RATE_LIMITED' } }));
      delays.push(((await pusher.pushOnce()) as { delayMs: number }).delayMs);
      await pusher.stop();
      buffer.close();
      return delays;
    };
    // random() is 0.5: halfway between 1 s and the ceiling, which doubles up to the cap.
    expect(await failures()).toEqual([1000, 1500, 2500, 4500, 8500, 16_500, 30_500, 30_500, 30_500, 30_500, 30_500]);
    expect(await failures(2)).toEqual([1000, 1500, 1500, 1500, 1500, 1500, 1500, 1500, 1500, 1500, 2000]);
  });

  it.each([400, 413, 422])('%i moves the batch to the dead-letter file and counts it', async (status) => {
    const { pusher, buffer } = setup(2);
    replies.push(() => ({ status, body: { code: 'FLEET_BAD_REQUEST', message: 'no' } }));
    const out = await pusher.pushOnce();
    expect(out.kind).toBe('ok');
    expect(buffer.pending()).toBe(0);
    expect(pusher.stats.deadLetteredSamples).toBe(2);
    const dl = deadLetters();
    expect(dl).toHaveLength(1);
    expect(dl[0].status).toBe(status);
    expect(dl[0].samples.map((s: { seq: number }) => s.seq)).toEqual(expect.arrayContaining([1, 2]));
    expect(statSync(join(dir, 'deadletter.jsonl')).mode & 0o077).toBe(0);
    await pusher.stop();
    buffer.close();
  });

  it('per-sample rejections go to the dead-letter file; the rest is acknowledged', async () => {
    const { pusher, buffer } = setup(3);
    replies.push(() => ({
      status: 200,
      body: {
        accepted: 2,
        duplicates: 0,
        rejected: [{ seq: 2, code: 'FLEET_TIMESTAMP_OUT_OF_RANGE', message: 'too old' }],
        serverTime: Date.now(),
      },
    }));
    await pusher.pushOnce();
    expect(buffer.pending()).toBe(0);
    expect(pusher.stats.rejectedSamples).toBe(1);
    const dl = deadLetters();
    expect(dl[0].rejected[0]).toMatchObject({ seq: 2, code: 'FLEET_TIMESTAMP_OUT_OF_RANGE', sample: { seq: 2 } });
    await pusher.stop();
    buffer.close();
  });

  it.each([401, 403])('%i keeps the data and re-reads the credential file', async (status) => {
    const { pusher, buffer, credentialFile } = setup(2);
    replies.push(() => ({ status, body: { code: 'FLEET_UNAUTHORIZED' } }));
    writeFileSync(credentialFile, 'tok-2\n'); // the operator re-joined meanwhile
    const out = await pusher.pushOnce();
    expect(out.kind).toBe('retry');
    expect(buffer.pending()).toBe(2);
    expect(await pusher.pushOnce()).toEqual({ kind: 'ok', more: false });
    expect(seen.map((s) => s.auth)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(JSON.stringify(pusher.stats)).not.toContain('tok-');
    await pusher.stop();
    buffer.close();
  });

  it('rotation: writes the new credential atomically with mode 0600 and uses it next', async () => {
    const { pusher, buffer, credentialFile } = setup(1);
    const expiresAt = Date.now() + 90 * 86400_000;
    replies.push((r) => ({
      status: 200,
      body: {
        accepted: r.samples.length,
        duplicates: 0,
        rejected: [],
        serverTime: Date.now(),
        credential: { token: 'tok-rotated', expiresAt, oldValidUntil: Date.now() + 3600_000 },
      },
    }));
    await pusher.pushOnce();
    expect(readFileSync(credentialFile, 'utf8').trim()).toBe('tok-rotated');
    expect(statSync(credentialFile).mode & 0o777).toBe(0o600);
    expect(pusher.stats.credentialExpiresAt).toBe(expiresAt);
    buffer.append(hb(9));
    await pusher.pushOnce();
    expect(seen[1]!.auth).toBe('Bearer tok-rotated');
    await pusher.stop();
    buffer.close();
  });

  it('network errors keep the data and retry', async () => {
    const { pusher, buffer } = setup(1);
    await new Promise((r) => server.close(r));
    server.closeAllConnections();
    const out = await pusher.pushOnce();
    expect(out.kind).toBe('retry');
    expect(buffer.pending()).toBe(1);
    await new Promise<void>((r) => server.listen(Number(new URL(url).port), '127.0.0.1', r));
    expect((await pusher.pushOnce()).kind).toBe('ok');
    await pusher.stop();
    buffer.close();
  });

  it('sends the inventory once and again only when it changed', async () => {
    const { pusher, buffer } = setup(1);
    const inv = fixtures.report().inventory!;
    pusher.setInventory(inv);
    await pusher.pushOnce();
    buffer.append(hb(1));
    pusher.setInventory(structuredClone(inv));
    await pusher.pushOnce();
    buffer.append(hb(2));
    pusher.setInventory({ ...inv, memBytes: 1 });
    await pusher.pushOnce();
    expect(seen.map((s) => s.report.inventory?.memBytes)).toEqual([inv.memBytes, undefined, 1]);
    await pusher.stop();
    buffer.close();
  });
});

describe('HTTPS', () => {
  it('verifies the collector against caFile; an unknown CA is a network error that keeps the data', async () => {
    const { createServer: createTls } = await import('node:https');
    selfSignedCert(dir);
    const tls = createTls({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      req.resume();
      req.on('end', () => res.end(JSON.stringify({ accepted: 1, duplicates: 0, rejected: [], serverTime: Date.now() })));
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const tlsUrl = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    try {
      writeFileSync(join(dir, 'credential'), 'tok\n');
      const buffer = DiskBuffer.open({ dir, maxBytes: 1 << 24, segmentBytes: 1 << 16, fsyncIntervalMs: 1000 });
      buffer.append(hb(1));
      const mk = (caFile?: string) =>
        new Pusher(
          {
            collectorUrl: tlsUrl,
            credentialFile: join(dir, 'credential'),
            stateDir: dir,
            caFile,
            agentVersion: 't',
            timeoutS: 5,
            gzipMinBytes: 1024,
            maxBatchSamples: 10,
            maxBatchBytes: 1 << 20,
            deadLetterMaxBytes: 1 << 20,
          },
          buffer,
          log,
          {},
        );
      const untrusted = mk();
      const out = await untrusted.pushOnce();
      expect(out.kind).toBe('retry');
      expect(untrusted.stats.lastError).toMatch(/SELF_SIGNED|self.signed|certificate/i);
      expect(buffer.pending()).toBe(1);
      await untrusted.stop();
      const trusted = mk(join(dir, 'cert.pem'));
      expect(await trusted.pushOnce()).toEqual({ kind: 'ok', more: false });
      await trusted.stop();
      buffer.close();
    } finally {
      await new Promise((r) => tls.close(r));
    }
  });
});

describe('transport rules', () => {
  it('allows plain http only to loopback unless explicitly allowed', () => {
    expect(transportProblem('http://127.0.0.1:8080', false)).toBeUndefined();
    expect(transportProblem('http://localhost:8080', false)).toBeUndefined();
    expect(transportProblem('https://collector.example', false)).toBeUndefined();
    expect(transportProblem('http://collector.example', false)).toMatch(/plain http/);
    expect(transportProblem('http://collector.example', true)).toBeUndefined();
    expect(transportProblem('ftp://x', true)).toMatch(/https/);
  });
});
