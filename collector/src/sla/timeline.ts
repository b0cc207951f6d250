/**
 * The pure core of uptime: heartbeats + the collector's own observation spans → state intervals.
 *
 * Rules (see README "How uptime is decided"):
 * - Between two consecutive heartbeats a and b (gap = b - a):
 *   gap <= grace → UP (or DOWN `check_failed` when a's SLA-critical checks failed);
 *   gap >  grace → DOWN `missed_heartbeats` from a (the last good heartbeat) where the collector was
 *   observing, UNKNOWN `not_observing` where it was not. The stretch right after `a` is DOWN only when
 *   the collector observed the whole grace run out; otherwise it had no evidence and it is UNKNOWN.
 * - Observing = inside an observation span, minus a restart zone at each span's start that lasts until
 *   the first live heartbeat arrives or `restartGraceMs` passes: agents need time to reconnect, and
 *   that time must not count as DOWN.
 * - Live heartbeats count at their arrival time; late (buffered) ones only where nobody was observing.
 *   A live sample sampled while nobody was observing (delivered just after a collector restart) also
 *   counts, like a late one, at its sampling time.
 * - Time nobody observed is UNKNOWN unless the agent's own record proves it was not running then
 *   (`agentProof`: the next seq of its stream sampled more than the grace later, or a boot after the
 *   previous sample): that stretch is DOWN `agent_evidence`, naming the proof.
 * - Before a node's first heartbeat there is no interval at all (the node was not yet in service).
 */
import { mergeSpans, splitBy, contains } from './spans.ts';
import type { AgentProof, Interval, IntervalCause, Point, Span, UptimeState } from './types.ts';

export interface TimelineInput {
  from: number;
  to: number;
  /** The latest point before `from`, if any (from raw samples or the node's last known heartbeat). */
  prior: Point | null;
  /** Points with from <= at < to. Any order. */
  points: readonly Point[];
  /** Spans during which a collector was observing (and its database answering). Any order, may overlap. */
  observed: readonly Span[];
  graceMs: number;
  restartGraceMs: number;
}

export interface TimelineResult {
  intervals: Interval[];
  /** When the last interval would change state if nothing new arrives (null: it will not by itself). */
  nextCheckAt: number | null;
}

/** Observing spans minus restart zones. */
export function observingMask(observed: readonly Span[], livePointsSorted: readonly number[], restartGraceMs: number): Span[] {
  const out: Span[] = [];
  for (const s of mergeSpans(observed)) {
    let zoneEnd = Math.min(s.start + restartGraceMs, s.end);
    const firstLive = livePointsSorted.find((t) => t >= s.start && t < s.end);
    if (firstLive !== undefined) zoneEnd = Math.min(zoneEnd, firstLive);
    if (zoneEnd < s.end) out.push({ start: zoneEnd, end: s.end });
  }
  return out;
}

export function deriveTimeline(input: TimelineInput): TimelineResult {
  const { from, to, graceMs } = input;
  if (to <= from) return { intervals: [], nextCheckAt: null };
  const sorted = [...input.points].filter((p) => p.at >= from && p.at < to).sort((a, b) => a.at - b.at);
  const liveTimes = sorted.filter((p) => p.live).map((p) => p.at);
  const mask = observingMask(input.observed, liveTimes, input.restartGraceMs);
  // Late points vouch only for time nobody observed; so does a live point for its sampling time, when nobody observed that.
  const sampledUnobserved = sorted
    .filter((p) => p.live && p.sampledAt !== undefined && p.sampledAt < p.at && p.sampledAt >= from && !contains(mask, p.sampledAt))
    .map((p): Point => ({ ...p, at: p.sampledAt!, live: false }));
  const considered = sorted.filter((p) => p.live || !contains(mask, p.at));
  if (sampledUnobserved.length) {
    considered.push(...sampledUnobserved);
    considered.sort((a, b) => a.at - b.at);
  }
  const seq: Point[] = input.prior ? [input.prior, ...considered] : considered;

  const out: Interval[] = [];
  const push = (state: UptimeState, start: number, end: number, cause: IntervalCause, evidence: Record<string, unknown>) => {
    if (end <= start) return;
    const last = out[out.length - 1];
    if (last && last.end === start && last.state === state && last.cause === cause && sameEvidenceKind(last, evidence)) {
      last.end = end;
      return;
    }
    out.push({ state, start, end, cause, evidence });
  };

  let nextCheckAt: number | null = null;
  for (let i = 0; i < seq.length; i++) {
    const a = seq[i]!;
    const next = seq[i + 1];
    const stretchEnd = next ? next.at : to;
    const start = Math.max(a.at, from);
    if (stretchEnd <= start) continue;
    const gap = stretchEnd - a.at;
    const open = !next;
    if (gap <= graceMs) {
      if (a.ok) push('UP', start, stretchEnd, 'heartbeat', {});
      else push('DOWN', start, stretchEnd, 'check_failed', { failing: a.failing ?? [], since: a.at });
      if (open) nextCheckAt = a.at + graceMs;
      continue;
    }
    const proof = next ? agentProof(a, next, graceMs) : null;
    for (const piece of splitBy(start, stretchEnd, mask)) {
      // The piece right after the heartbeat is DOWN only if the collector watched the grace run out:
      // a collector that stopped 5 s after the last heartbeat has no evidence the node went down.
      const sawGraceExpire = piece.start > a.at || piece.end >= a.at + graceMs;
      if (piece.inside && sawGraceExpire) {
        push('DOWN', piece.start, piece.end, 'missed_heartbeats', { lastHeartbeatAt: a.at, ...(next ? { nextHeartbeatAt: next.at } : {}) });
        continue;
      }
      // Nobody watched the grace run out here: the agent's own record may still prove it was not running.
      const provenFrom = proof ? Math.min(Math.max(piece.start, proof.from), piece.end) : piece.end;
      push('UNKNOWN', piece.start, provenFrom, 'not_observing', {});
      if (proof) push('DOWN', provenFrom, piece.end, 'agent_evidence', proof.evidence);
    }
    // An open stretch still not observed turns into DOWN when its restart zone ends.
    if (open && !contains(mask, to - 1)) {
      const upcoming = mask.find((m) => m.start >= to);
      nextCheckAt = upcoming ? upcoming.start : zoneEndAfter(input.observed, to, input.restartGraceMs);
    }
  }
  return { intervals: out, nextCheckAt };
}

function sameEvidenceKind(last: Interval, evidence: Record<string, unknown>): boolean {
  if (last.cause === 'check_failed') return JSON.stringify(last.evidence.failing) === JSON.stringify(evidence.failing);
  if (last.cause === 'missed_heartbeats') return last.evidence.lastHeartbeatAt === evidence.lastHeartbeatAt;
  if (last.cause === 'agent_evidence')
    return last.evidence.lastHeartbeatAt === evidence.lastHeartbeatAt && last.evidence.proof === evidence.proof;
  return true;
}

/** Two reports' clock-skew measurements (latency) differ by less than this. */
export const BOOT_TOLERANCE_MS = 1_000;
/** Wall-clock and uptime differences between two samples of one boot agree within this (uptime is kept as a float4). */
export const CLOCK_STEP_TOLERANCE_MS = 2_000;

/** When the node booted, on the collector's clock. */
function bootAt(p: Point): number | undefined {
  return p.agent?.uptimeMs === undefined ? undefined : (p.sampledAt ?? p.at) - p.agent.uptimeMs;
}

/**
 * Whether the agent's own record proves it was not running for part of the silence between the
 * consecutive points `a` and `b` (see AgentProof), and from when (the proof holds until `b`).
 */
export function agentProof(
  a: Point,
  b: Point,
  graceMs: number,
): { proof: AgentProof; from: number; evidence: Record<string, unknown> } | null {
  const ra = a.agent;
  const rb = b.agent;
  if (!ra || !rb) return null;
  const base = { lastHeartbeatAt: a.at, nextHeartbeatAt: b.at };
  const sameBoot = ra.uptimeMs !== undefined && rb.uptimeMs !== undefined && rb.uptimeMs >= ra.uptimeMs;
  const noClockStep = !sameBoot || Math.abs(rb.ts - ra.ts - (rb.uptimeMs! - ra.uptimeMs!)) <= CLOCK_STEP_TOLERANCE_MS;
  if (ra.stream === rb.stream && rb.seq === ra.seq + 1 && rb.ts - ra.ts > graceMs && noClockStep) {
    return { proof: 'seq_contiguous', from: a.at, evidence: { proof: 'seq_contiguous', ...base, lastSeq: ra.seq, nextSeq: rb.seq } };
  }
  const booted = bootAt(b);
  if (booted !== undefined && booted > (a.sampledAt ?? a.at) + BOOT_TOLERANCE_MS && booted < b.at) {
    return { proof: 'new_boot', from: Math.max(a.at, booted), evidence: { proof: 'new_boot', ...base, bootAt: booted } };
  }
  return null;
}

/** If `t` lies in a restart zone of an observation span that is still running, when that zone ends. */
function zoneEndAfter(observed: readonly Span[], t: number, restartGraceMs: number): number | null {
  for (const s of mergeSpans(observed)) if (t >= s.start && t <= s.end) return s.start + restartGraceMs;
  return null;
}
