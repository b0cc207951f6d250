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
/** The daemon rewrites health.json every 30 s (and on every status change): older than this, it is not running. */
export const HEALTH_STALE_S = 90;

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
  if (staleS > Math.max(3 * h.intervalS, HEALTH_STALE_S)) return { ...base, status: 'critical', message: `agent daemon silent for ${Math.round(staleS)} s (is timmy-fleet running?)` };
  const last = h.push.lastAckAt;
  const ageS = last ? (now - last) / 1000 : Infinity;
  const err = h.push.lastError ? `: ${h.push.lastError}` : '';
  if (ageS <= 3 * h.intervalS + 5) return { ...base, status: 'ok', message: `last acknowledgement ${Math.round(ageS)} s ago, ${h.buffer.records} buffered` };
  if (ageS <= 300) return { ...base, status: 'warn', message: `last acknowledgement ${Math.round(ageS)} s ago${err}` };
  return { ...base, status: 'critical', message: `${last ? `no acknowledgement for ${Math.round(ageS)} s` : 'never acknowledged'}${err}; ${h.buffer.records} samples buffered` };
}

export function exitCodeFor(rows: Array<{ status: CheckStatus }>): number {
  const w = rows.reduce<CheckStatus>((acc, r) => worst(acc, r.status), 'ok');
  return w === 'critical' ? 2 : w === 'ok' ? 0 : 1;
}

const ICON: Record<CheckStatus, string> = { ok: 'OK', warn: 'WARN', critical: 'CRIT', unknown: '??' };

export function renderTable(rows: ProbeResult[], now: number): string {
  const lines = rows.map((r) => [r.name + (r.slaCritical ? ' *' : ''), ICON[r.status], `${Math.max(0, Math.round((now - r.at) / 1000))}s`, r.message.replace(/\s+/g, ' ')]);
  const head = ['CHECK', 'STATUS', 'AGE', 'MESSAGE'];
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (l: string[]) => l.map((c, i) => (i === l.length - 1 ? c : c.padEnd(w[i]!))).join('  ');
  return [fmt(head), ...lines.map(fmt), '', '* SLA-critical: a failure counts as downtime'].join('\n');
}
