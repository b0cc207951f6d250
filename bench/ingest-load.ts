/**
 * The load generator of `bench:ingest`, in its own process (it must not share the collector's event
 * loop). Open loop: node i sends its k-th report at start + (k*N + i) * interval/N whatever happened to
 * earlier ones, so a slow collector shows up as latency (measured from the scheduled time, client-side
 * queueing included) rather than as a lower offered rate.
 *
 * It speaks HTTP/1.1 over plain keep-alive sockets (one request in flight per connection, no pipelining)
 * with request bytes built from a template, because node:http's client cost about 0.16 ms of CPU per
 * request, a third of a core at 4,000 reports/s on the same two cores as the collector and PostgreSQL.
 * Every request is still a real, distinct report: its own node credential, stream, seq and timestamps.
 *
 * Input: argv[2] = JSON file { url, tokens, intervalMs, durationMs, connections, drainMs, seqBase? }.
 * Output: argv[3] = JSON file { sent, acked, failed, statuses, latencies (ms, acked only), acked pairs }.
 */
import { connect, type Socket } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';

interface Input {
  url: string;
  tokens: string[];
  intervalMs: number;
  durationMs: number;
  connections: number;
  drainMs: number;
  /** Each node's seqs start after this (a second load on the same streams, as agents after a collector restart). */
  seqBase?: number;
}

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Input;
const out = process.argv[3]!;
const N = input.tokens.length;
const target = new URL('/v1/reports', input.url);

const latencies: number[] = [];
/** Acknowledged samples, as node index and seq (one sample per report). */
const ackedNode: number[] = [];
const ackedSeq: number[] = [];
/** When each acknowledged report was scheduled (ms since the start), for the latency over time. */
const ackedAt: number[] = [];
const statuses: Record<string, number> = {};
let sent = 0;
let acked = 0;
let failed = 0;
let inflight = 0;
const seqs = new Uint32Array(N).fill(input.seqBase ?? 0);
const count = (status: string) => (statuses[status] = (statuses[status] ?? 0) + 1);

/** The same report as an agent sends (heartbeat, one disk, an SLA-critical systemd check, system and disk checks). */
function body(i: number, seq: number, now: number): string {
  const load = ((i * 7 + seq) % 400) / 100;
  const used = 60 + (i % 30);
  const stream = `bench${String(i).padStart(6, '0')}`;
  return (
    `{"v":1,"stream":"${stream}","agentVersion":"0.1.0-bench","sentAt":${now},"samples":[{"seq":${seq},"ts":${now},` +
    `"heartbeat":{"bootId":"boot-${i}","uptimeS":${86_400 + seq * 5},"agentRssBytes":${40_000_000 + (seq % 50) * 4096},"agentCpuSeconds":${10 + seq * 0.004}},` +
    `"disks":[{"mount":"/","totalBytes":53687091200,"freeBytes":21474836480,"usedPct":${used},"inodesUsedPct":12.5}],` +
    `"checks":[{"name":"gateway","probe":"systemd","status":"ok","message":"ai.hermes.gateway active (running)","slaCritical":true,"values":{"activeState":"active","restarts":0},"durationMs":1.2},` +
    `{"name":"system","probe":"system","status":"ok","message":"load ${load}","slaCritical":false,"values":{"load1":${load},"load5":${load},"load15":${load},"cores":2,"memUsedPct":${40 + (i % 40)}}},` +
    `{"name":"disk:/","probe":"disk","status":"ok","message":"${used}% used","slaCritical":false,"values":{"usedPct":${used}}}]}]}`
  );
}

interface Job {
  i: number;
  seq: number;
  scheduled: number;
}

/** One keep-alive connection with at most one request in flight. */
class Conn {
  private socket: Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  job: Job | null = null;

  send(job: Job) {
    this.job = job;
    const payload = body(job.i, job.seq, Date.now());
    const head =
      `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(payload)}\r\nAuthorization: Bearer ${input.tokens[job.i]}\r\n\r\n`;
    if (!this.socket) this.open();
    this.socket!.write(head + payload);
  }

  private open() {
    const s = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    this.socket = s;
    this.buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => this.onData(d));
    const gone = (code: string) => {
      if (this.socket !== s) return;
      this.socket = null;
      if (this.job) this.finish(code, null);
    };
    s.on('error', (e: NodeJS.ErrnoException) => gone(e.code ?? 'error'));
    s.on('close', () => gone('ECONNRESET'));
  }

  private onData(d: Buffer) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) {
      // Fastify answers JSON with a length; anything else is a failure of this request, and the socket is dropped.
      this.socket?.destroy();
      this.socket = null;
      this.finish('no-content-length', null);
      return;
    }
    const total = end + 4 + Number(length[1]);
    if (this.buf.length < total) return;
    const status = head.slice(9, 12);
    const json = this.buf.toString('utf8', end + 4, total);
    this.buf = this.buf.subarray(total);
    if (/\r\nconnection: *close/i.test(head)) {
      this.socket?.destroy();
      this.socket = null;
    }
    this.finish(status, json);
  }

  private finish(status: string, json: string | null) {
    const job = this.job!;
    this.job = null;
    inflight--;
    count(status);
    let ok = false;
    if (status === '200' && json) {
      const ack = JSON.parse(json) as { accepted: number; duplicates: number };
      ok = ack.accepted + ack.duplicates === 1;
    }
    if (ok) {
      acked++;
      latencies.push(performance.now() - job.scheduled);
      ackedNode.push(job.i);
      ackedSeq.push(job.seq);
      ackedAt.push(job.scheduled - start);
    } else failed++;
    next(this);
  }

  close() {
    this.socket?.destroy();
    this.socket = null;
  }
}

const idle: Conn[] = Array.from({ length: input.connections }, () => new Conn());
const all = [...idle];
/** Reports due but waiting for a free connection (their latency keeps counting). */
const waiting: Job[] = [];
let waitHead = 0;

function next(c: Conn) {
  if (waitHead < waiting.length) {
    const job = waiting[waitHead++]!;
    if (waitHead > 4096 && waitHead * 2 > waiting.length) {
      waiting.splice(0, waitHead);
      waitHead = 0;
    }
    c.send(job);
  } else idle.push(c);
}

function schedule(i: number, scheduled: number) {
  const job = { i, seq: ++seqs[i]!, scheduled };
  sent++;
  inflight++;
  const c = idle.pop();
  if (c) c.send(job);
  else waiting.push(job);
}

const start = performance.now();
if (process.env.BENCH_KEEP) console.log(`loadgen start epoch ${Date.now()}`);
const step = input.intervalMs / N;
let j = 0;
const timer = setInterval(() => {
  const elapsed = performance.now() - start;
  if (elapsed >= input.durationMs) return;
  while (j * step <= elapsed && j * step < input.durationMs) {
    schedule(j % N, start + j * step);
    j++;
  }
}, 2);

setTimeout(async () => {
  clearInterval(timer);
  const until = performance.now() + input.drainMs;
  while (inflight > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
  writeFileSync(
    out,
    JSON.stringify({
      sent,
      acked,
      failed,
      unanswered: inflight,
      statuses,
      latencies,
      ackedNode,
      ackedSeq,
      ackedAt,
      elapsedMs: performance.now() - start,
    }),
  );
  for (const c of all) c.close();
  process.exit(0);
}, input.durationMs + 10);
