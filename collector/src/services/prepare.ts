/**
 * Pure preparation of a report for storage: per-sample timestamp checks, live vs late, the time the
 * SLA engine will use, and SLA-critical check results carried forward across samples.
 */
import type { Report, SampleRejection, CheckResult } from '@timmy/shared';

export interface PreparedSample {
  seq: number;
  ts: number;
  at: number;
  live: boolean;
  /** A live sample's arrival less its sampling time on our clock (ms); null for a late one. */
  lagMs: number | null;
  /** The node's uptime when sampled (s); null when beyond any real uptime (a `real` column holds it). */
  uptimeS: number | null;
  ok: boolean;
  detail: { failing: string[]; checks: Array<Pick<CheckResult, 'name' | 'status' | 'message'>> } | null;
  /** Numeric metrics kept in compact columns for the per-minute rollups (null: not in this sample). */
  metrics: SampleMetrics;
}

export interface SampleMetrics {
  /** Fullest filesystem, percent used. */
  diskPct: number | null;
  load1: number | null;
  memPct: number | null;
  agentRssKib: number | null;
  /** The agent's cumulative CPU seconds (a counter: rollups take its rate). */
  agentCpuS: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
/** The smallest normal PostgreSQL `real`: a value closer to 0 is refused by the column as an underflow. */
const REAL_MIN = 1.1754943508222875e-38;
/** A metric as a `real` column can hold it (the wire schema bounds its magnitude; tiny values become 0). */
const real = (v: unknown): number | null => {
  const n = num(v);
  return n !== null && Math.abs(n) < REAL_MIN ? 0 : n;
};

/** Pulls the rollup metrics out of a sample: disks (or disk checks), the system probe's load and memory, the agent's footprint. */
export function sampleMetrics(s: Report['samples'][number]): SampleMetrics {
  let diskPct: number | null = null;
  for (const d of s.disks ?? []) diskPct = Math.max(diskPct ?? 0, d.usedPct);
  let load1: number | null = null;
  let memPct: number | null = null;
  for (const c of s.checks ?? []) {
    if (!c.values) continue;
    if (c.probe === 'disk' && !s.disks?.length) {
      const v = real(c.values.usedPct);
      if (v !== null) diskPct = Math.max(diskPct ?? 0, v);
    } else if (c.probe === 'system') {
      load1 = real(c.values.load1) ?? load1;
      memPct = real(c.values.memUsedPct) ?? memPct;
    }
  }
  return { diskPct, load1, memPct, agentRssKib: Math.round(s.heartbeat.agentRssBytes / 1024), agentCpuS: s.heartbeat.agentCpuSeconds };
}

export interface PreparedReport {
  samples: PreparedSample[];
  rejected: SampleRejection[];
  /** SLA-critical checks failing after the newest sample. */
  failing: string[];
  /** Agent clock minus ours when the report was sent (ms; includes one-way latency). */
  skewMs: number;
  /** The newest result of every check in the report, by name, with the sample it came in. */
  latestChecks: Map<string, CheckResult & { at: number; seq: number }>;
  bootId: string | null;
}

export interface PrepareLimits {
  freshMs: number;
  maxFutureMs: number;
  maxAgeMs: number;
}

/** A century: larger uptimes are not real and are not kept (they would not fit a `real` column either). */
const MAX_UPTIME_S = 3.2e9;

export function prepareReport(report: Report, receivedAt: number, priorFailing: readonly string[], limits: PrepareLimits): PreparedReport {
  const skewMs = report.sentAt - receivedAt;
  const failing = new Set(priorFailing);
  const out: PreparedSample[] = [];
  const rejected: SampleRejection[] = [];
  const latestChecks = new Map<string, CheckResult & { at: number; seq: number }>();
  let bootId: string | null = null;
  const ordered = [...report.samples].sort((a, b) => a.seq - b.seq);
  const seen = new Set<number>();
  for (const s of ordered) {
    if (seen.has(s.seq)) {
      rejected.push({ seq: s.seq, code: 'FLEET_BAD_REQUEST', message: 'seq appears twice in one report' });
      continue;
    }
    seen.add(s.seq);
    if (s.ts > receivedAt + limits.maxFutureMs) {
      rejected.push({
        seq: s.seq,
        code: 'FLEET_TIMESTAMP_OUT_OF_RANGE',
        message: `sample time is ${Math.round((s.ts - receivedAt) / 1000)} s in the future (limit ${limits.maxFutureMs / 1000} s)`,
      });
      continue;
    }
    const age = Math.max(0, report.sentAt - s.ts);
    if (age > limits.maxAgeMs) {
      rejected.push({
        seq: s.seq,
        code: 'FLEET_TIMESTAMP_OUT_OF_RANGE',
        message: `sample is older than the raw retention (${Math.round(limits.maxAgeMs / 3_600_000)} h)`,
      });
      continue;
    }
    const live = age <= limits.freshMs;
    const at = live ? receivedAt : receivedAt - age;
    const nonOk: Array<Pick<CheckResult, 'name' | 'status' | 'message'>> = [];
    for (const c of s.checks ?? []) {
      if (c.slaCritical) {
        if (c.status === 'critical') failing.add(c.name);
        else failing.delete(c.name);
      }
      if (c.status !== 'ok') nonOk.push({ name: c.name, status: c.status, message: c.message });
      latestChecks.set(c.name, { ...c, at, seq: s.seq });
    }
    bootId = s.heartbeat.bootId;
    const failingNow = [...failing].sort();
    out.push({
      seq: s.seq,
      ts: s.ts,
      at,
      live,
      lagMs: live ? Math.round(age) : null,
      uptimeS: s.heartbeat.uptimeS <= MAX_UPTIME_S ? s.heartbeat.uptimeS : null,
      ok: failingNow.length === 0,
      detail: failingNow.length || nonOk.length ? { failing: failingNow, checks: nonOk } : null,
      metrics: sampleMetrics(s),
    });
  }
  return { samples: out, rejected, failing: [...failing].sort(), skewMs, latestChecks, bootId };
}

/**
 * Where a node's reports stored through this collector left off: their agent stream and last seq. What a
 * collector remembers of a node (the failing checks it carries, the check rows it wrote) holds only for
 * the report that `follows` it: an agent sends its reports one after the other in seq order, so any other
 * report in between went through another collector (or another process of this one), which may have
 * changed the node's rows.
 */
export interface StreamMark {
  stream: string;
  lastSeq: number;
}

/** The mark `samples` of `stream` leave. */
export function markOf(stream: string, samples: ReadonlyArray<{ seq: number }>): StreamMark {
  return { stream, lastSeq: samples.reduce((m, s) => Math.max(m, s.seq), Number.NEGATIVE_INFINITY) };
}

/** Whether `samples` of `stream` are the next ones after `mark` (same stream, the next seq). */
export function follows(mark: StreamMark | undefined, stream: string, samples: ReadonlyArray<{ seq: number }>): boolean {
  return (
    mark !== undefined &&
    mark.stream === stream &&
    samples.reduce((m, s) => Math.min(m, s.seq), Number.POSITIVE_INFINITY) === mark.lastSeq + 1
  );
}
