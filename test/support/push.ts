/**
 * A scripted pusher for cross-process tests: sends reports like an agent (same seq on every retry, fails
 * over to the next collector URL on a network error or a 5xx) and records exactly what was acknowledged.
 */
import type { Report } from '@timmy/shared';

export interface Acked {
  stream: string;
  seq: number;
  via: string;
}

export function sampleReport(stream: string, seqs: number[], now: number, tsOf: (seq: number) => number = () => now): Report {
  return {
    v: 1,
    stream,
    agentVersion: '0.1.0-test',
    sentAt: now,
    samples: seqs.map((seq) => ({
      seq,
      ts: tsOf(seq),
      heartbeat: { bootId: 'boot-test', uptimeS: 1000 + seq, agentRssBytes: 40_000_000, agentCpuSeconds: 1 + seq / 1000 },
      disks: [{ mount: '/', totalBytes: 1000, freeBytes: 400, usedPct: 60 }],
      checks: [{ name: 'gateway', probe: 'systemd', status: 'ok', message: 'active', slaCritical: true }],
    })),
  };
}

/** POSTs one report; true when acknowledged (200 with every sample accepted or duplicate). Throws on network errors. */
export async function postReport(url: string, token: string, report: Report, timeoutMs = 10_000): Promise<boolean> {
  const res = await fetch(`${url}/v1/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(report),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json().catch(() => null)) as { accepted?: number; duplicates?: number } | null;
  return res.status === 200 && (body?.accepted ?? 0) + (body?.duplicates ?? 0) === report.samples.length;
}

/** Sends until acknowledged, trying `urls` in turn (starting at `first`); gives up after `deadline`. */
export async function pushWithFailover(
  urls: string[],
  first: number,
  token: string,
  report: Report,
  deadline: number,
): Promise<string | null> {
  let i = first;
  while (Date.now() < deadline) {
    const url = urls[i % urls.length]!;
    try {
      if (await postReport(url, token, report, 5_000)) return url;
    } catch {
      // connection refused / reset: the collector is gone; try the next one
    }
    i++;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}
