/**
 * The application funnel, from each operator's lifecycle history: how many are in each state now,
 * how many ever reached it, and why applications were turned down. Each history is one person's
 * records, oldest first; an empty history is an application not yet moved.
 */
import { LIFECYCLE_STATES, type LifecycleState, type TransitionRecord } from './lifecycle.ts';
import { REJECTION_REASONS, type RejectionReason } from './reasons.ts';

export interface FunnelStage {
  stage: LifecycleState;
  /** People in this state now. */
  current: number;
  /** People who were ever in this state (each counted once). */
  reached: number;
}

export interface Funnel {
  /** Every state in lifecycle order (application first). */
  stages: FunnelStage[];
  /** Rejections by reason (a person rejected twice counts twice). */
  rejections: Record<RejectionReason, number>;
}

export function funnel(histories: ReadonlyArray<readonly TransitionRecord[]>): Funnel {
  const current = new Map<LifecycleState, number>();
  const reached = new Map<LifecycleState, number>();
  const rejections = Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Record<RejectionReason, number>;
  for (const history of histories) {
    const seen = new Set<LifecycleState>(['application', ...history.map((r) => r.to)]);
    for (const s of seen) reached.set(s, (reached.get(s) ?? 0) + 1);
    const now = history.at(-1)?.to ?? 'application';
    current.set(now, (current.get(now) ?? 0) + 1);
    for (const r of history) if (r.event.type === 'reject') rejections[r.event.reason] += 1;
  }
  return {
    stages: LIFECYCLE_STATES.map((stage) => ({ stage, current: current.get(stage) ?? 0, reached: reached.get(stage) ?? 0 })),
    rejections,
  };
}
