/**
 * health.json (written by the daemon) and the runbook checklist table (`timmy-fleet health`).
 * Exit codes: 0 all ok, 1 a warning or an unknown, 2 something critical.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckStatus } from '@timmy/shared';
import type { ProbeResult } from './scheduler.ts';
import type { BufferStats } from './push/buffer.ts';
import type { PushStats } from './push/client.ts';
import { atomicWrite } from './push/buffer.ts';
import { worst } from './probes/probe.ts';

export interface HealthFile {
  updatedAt: number;
  agentVersion: string;
  pid: number;
  intervalS: number;
  collectorUrl: string;
  checks: ProbeResult[];
  push: PushStats;
  buffer: BufferStats;
  probes: Array<{ name: string; runs: number; failures: number }>;
}

export const healthPath = (stateDir: string) => join(stateDir, 'health.json');
/**
 * The daemon rewrites health.json at every heartbeat (and on every status change a reader cares about),
 * so what `timmy-fleet health` reads is at most one interval old, and the limits below follow the same
 * interval. (Writing it only every 30 s while judging acknowledgements against 3 intervals + 5 s made a
 * healthy node WARN for a third of the time.) A write is a small file renamed into place, no fsync.
 */
export function healthDue(lastWriteAt: number, t: number, intervalS: number, changed: boolean): boolean {
  // Sub-second intervals (tests, benchmarks) still write at most once a second: within the limits below.
  return changed || t - lastWriteAt >= Math.max(intervalS, 1) * 1000;
}
/** An acknowledgement at most this old is ok: the write lags one interval, the ack one more, plus push latency. */
export const ackOkS = (intervalS: number) => 3 * intervalS + 5;
/** health.json older than this: the daemon is not running (or stuck). Three missed writes and 10 s of slack. */
export const healthStaleS = (intervalS: number) => 3 * intervalS + 10;

export function writeHealth(stateDir: string, h: HealthFile): void {
  atomicWrite(healthPath(stateDir), JSON.stringify(h, null, 1), 0o644, false);
}

export function readHealth(stateDir: string): HealthFile | undefined {
  try {
    return JSON.parse(readFileSync(healthPath(stateDir), 'utf8')) as HealthFile;
  } catch {
    return undefined;
  }
}

/** The "collector" row: the heartbeat reaches the collector (runbook: node offline after 5 min). */
export function collectorRow(h: HealthFile | undefined, now: number): ProbeResult {
  const base = { name: 'collector', probe: 'push', slaCritical: false, durationMs: 0, at: now };
  if (!h) return { ...base, status: 'critical', message: 'agent daemon is not running (no health.json)' };
  const staleS = (now - h.updatedAt) / 1000;
  if (staleS > healthStaleS(h.intervalS))
    return { ...base, status: 'critical', message: `agent daemon silent for ${Math.round(staleS)} s (is timmy-fleet running?)` };
  const last = h.push.lastAckAt;
  const ageS = last ? (now - last) / 1000 : Infinity;
  const err = h.push.lastError ? `: ${h.push.lastError}` : '';
  if (ageS <= ackOkS(h.intervalS))
    return { ...base, status: 'ok', message: `last acknowledgement ${Math.round(ageS)} s ago, ${h.buffer.records} buffered` };
  if (ageS <= 300) return { ...base, status: 'warn', message: `last acknowledgement ${Math.round(ageS)} s ago${err}` };
  return {
    ...base,
    status: 'critical',
    message: `${last ? `no acknowledgement for ${Math.round(ageS)} s` : 'never acknowledged'}${err}; ${h.buffer.records} samples buffered`,
  };
}

export function exitCodeFor(rows: Array<{ status: CheckStatus }>): number {
  const w = rows.reduce<CheckStatus>((acc, r) => worst(acc, r.status), 'ok');
  return w === 'critical' ? 2 : w === 'ok' ? 0 : 1;
}

const ICON: Record<CheckStatus, string> = { ok: 'OK', warn: 'WARN', critical: 'CRIT', unknown: '??' };

export function renderTable(rows: ProbeResult[], now: number): string {
  const lines = rows.map((r) => [
    r.name + (r.slaCritical ? ' *' : ''),
    ICON[r.status],
    `${Math.max(0, Math.round((now - r.at) / 1000))}s`,
    r.message.replace(/\s+/g, ' '),
  ]);
  const head = ['CHECK', 'STATUS', 'AGE', 'MESSAGE'];
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (l: string[]) => l.map((c, i) => (i === l.length - 1 ? c : c.padEnd(w[i]!))).join('  ');
  return [fmt(head), ...lines.map(fmt), '', '* SLA-critical: a failure counts as downtime'].join('\n');
}
