/**
 * The load generator of `bench:ingest`, in its own process (it must not share the collector's event
 * loop). Open loop: node i sends its k-th report at start + (k*N + i) * interval/N whatever happened to
 * earlier ones, so a slow collector shows up as latency (measured from the scheduled time, client-side
 * queueing included) rather than as a lower offered rate.
 *
 * Input: argv[2] = JSON file { url, tokens, intervalMs, durationMs, connections, drainMs }.
 * Output: argv[3] = JSON file { sent, acked, failed, statuses, latencies (ms, acked only), acked pairs }.
 */
import { Agent, request } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';

interface Input {
  url: string;
  tokens: string[];
  intervalMs: number;
  durationMs: number;
  connections: number;
  drainMs: number;
}

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Input;
const out = process.argv[3]!;
const N = input.tokens.length;
const target = new URL('/v1/reports', input.url);
const agent = new Agent({ keepAlive: true, maxSockets: input.connections, maxFreeSockets: input.connections, scheduling: 'lifo' });

const latencies: number[] = [];
/** Acknowledged samples, as node index and seq (one sample per report). */
const ackedNode: number[] = [];
const ackedSeq: number[] = [];
const statuses: Record<string, number> = {};
let sent = 0;
let acked = 0;
let failed = 0;
let inflight = 0;
const seqs = new Uint32Array(N);

function body(i: number, seq: number, now: number): string {
  const load = ((i * 7 + seq) % 400) / 100;
  return JSON.stringify({
    v: 1,
    stream: `bench${String(i).padStart(6, '0')}`,
    agentVersion: '0.1.0-bench',
    sentAt: now,
    samples: [
      {
        seq,
        ts: now,
        heartbeat: { bootId: `boot-${i}`, uptimeS: 86_400 + seq * 5, agentRssBytes: 40_000_000 + (seq % 50) * 4096, agentCpuSeconds: 10 + seq * 0.004 },
        disks: [{ mount: '/', totalBytes: 53_687_091_200, freeBytes: 21_474_836_480, usedPct: 60 + (i % 30), inodesUsedPct: 12.5 }],
        checks: [
          { name: 'gateway', probe: 'systemd', status: 'ok', message: 'ai.hermes.gateway active (running)', slaCritical: true, values: { activeState: 'active', restarts: 0 }, durationMs: 1.2 },
          { name: 'system', probe: 'system', status: 'ok', message: `load ${load}`, slaCritical: false, values: { load1: load, load5: load, load15: load, cores: 2, memUsedPct: 40 + (i % 40) } },
          { name: 'disk:/', probe: 'disk', status: 'ok', message: `${60 + (i % 30)}% used`, slaCritical: false, values: { usedPct: 60 + (i % 30) } },
        ],
      },
    ],
  });
}

function send(i: number, scheduled: number) {
  const seq = ++seqs[i]!;
  const payload = body(i, seq, Date.now());
  sent++;
  inflight++;
  const req = request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${input.tokens[i]}` } }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      inflight--;
      const status = String(res.statusCode);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (res.statusCode === 200) {
        const ack = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { accepted: number; duplicates: number };
        if (ack.accepted + ack.duplicates === 1) {
          acked++;
          latencies.push(performance.now() - scheduled);
          ackedNode.push(i);
          ackedSeq.push(seq);
          return;
        }
      }
      failed++;
    });
  });
  req.on('error', (e) => {
    inflight--;
    failed++;
    statuses[(e as NodeJS.ErrnoException).code ?? 'error'] = (statuses[(e as NodeJS.ErrnoException).code ?? 'error'] ?? 0) + 1;
  });
  req.end(payload);
}

const start = performance.now();
const step = input.intervalMs / N;
let j = 0;
const timer = setInterval(() => {
  const elapsed = performance.now() - start;
  if (elapsed >= input.durationMs) return;
  while (j * step <= elapsed && j * step < input.durationMs) {
    send(j % N, start + j * step);
    j++;
  }
}, 2);

setTimeout(async () => {
  clearInterval(timer);
  const until = performance.now() + input.drainMs;
  while (inflight > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
  writeFileSync(out, JSON.stringify({ sent, acked, failed, unanswered: inflight, statuses, latencies, ackedNode, ackedSeq, elapsedMs: performance.now() - start }));
  agent.destroy();
  process.exit(0);
}, input.durationMs + 10);
