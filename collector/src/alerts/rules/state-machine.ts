/**
 * The alert state machine: one pure step per evaluation, `evaluate(state, prev, now, config)`.
 *
 * Damping, per alert instance (rule x subject):
 * - `forMs`: the condition must hold that long (measured from when it was observed to start,
 *   never from before the collector was observing) before the alert fires.
 * - `cooldownMs`: a firing alert resolves only after the condition stayed clear that long; if it
 *   returns in between, the alert simply keeps firing (no resolved + firing pair).
 * - flapping: every raw change of the condition (active <-> clear) is remembered for
 *   `flap.windowMs`; at `flap.threshold` changes the alert fires once as `flapping` and then stays
 *   quiet until a whole window passes without a change (then it resolves, or keeps firing plainly).
 *
 * The monitoring's own outages never page: time before `state.observingSince` is UNKNOWN and is not
 * counted towards any `for`, and a rule kind marked `afterRestartGrace` (node-offline) additionally waits
 * `restartGraceMs` after the collector (or its database) came back, so agents can reconnect and flush
 * their buffers. Nodes (and operators) in maintenance are silenced: their conditions count as clear.
 * A node that never reported is untracked: no rule fires for it (types.ts isTracked).
 * What each rule kind's condition is lives in its own file (registry.ts lists them).
 */
import type { AlertInstance, AlertState, AlertSubject, AlertTransition, EvaluationResult, FleetState, NodeState } from '../types.ts';
import { isTracked } from '../types.ts';
import { DEFAULT_RULES_CONFIG, type RulesConfig } from './load.ts';
import { kindOf, type Rule } from './registry.ts';
import { CLEAR } from './rule.ts';

/** One condition per (rule, subject), computed from the state. */
interface Condition {
  subject: AlertSubject;
  /** Condition holds right now. */
  active: boolean;
  /** The data says when it began (last heartbeat, check since); otherwise observed by us. */
  since?: number;
  /** Silenced (maintenance): counts as clear and is not a flap. */
  silenced: boolean;
  summary: string;
}

const nodeSubject = (n: NodeState): AlertSubject => ({ type: 'node', id: n.id, operatorId: n.operatorId, region: n.region });

/**
 * The conditions of one rule that need a step: every active one, and every one with an instance in
 * `prev`. A clear condition with no history is skipped without building anything (at fleet scale that is
 * nearly every node, every cycle).
 */
function* conditionsFor(
  rule: Rule,
  state: FleetState,
  now: number,
  hasPrev: (type: AlertSubject['type'], id: string) => boolean,
): Generator<Condition> {
  const kind = kindOf(rule);
  if (kind.subject === 'operator') {
    for (const op of state.operators ?? []) {
      const c = kind.condition(rule, op);
      yield {
        subject: { type: 'operator', id: op.id, operatorId: op.id },
        active: c.active && !op.inMaintenance,
        silenced: !!op.inMaintenance,
        summary: c.summary,
      };
    }
    return;
  }
  if (kind.subject === 'region') {
    for (const c of kind.condition(rule, state.regionOperators ?? [])) {
      if (!c.active && !hasPrev('region', c.region)) continue;
      yield {
        subject: { type: 'region', id: c.region, operatorId: '', region: c.region },
        active: c.active,
        silenced: false,
        summary: c.summary,
      };
    }
    return;
  }
  for (const n of state.nodes) {
    const silenced = !!n.inMaintenance;
    const c = isTracked(n) ? kind.condition(rule, n, now) : CLEAR;
    const active = c.active && !silenced;
    if (!active && !hasPrev('node', n.id)) continue;
    yield { subject: nodeSubject(n), ...c, active, silenced };
  }
}

export function alertKey(ruleId: string, subject: Pick<AlertSubject, 'type' | 'id'>): string {
  return `${ruleId}:${subject.type}:${subject.id}`;
}

// ---------------------------------------------------------------------------------------------

/**
 * One evaluation step. Pure: the same (state, prev, now, config) always gives the same result.
 * Returns the next alert state (persist it, pass it as `prev` next time) and the transitions.
 */
export function evaluate(state: FleetState, prev: AlertState, now: number, config: RulesConfig = DEFAULT_RULES_CONFIG): EvaluationResult {
  const next: AlertState = {};
  const transitions: AlertTransition[] = [];
  const seen = new Set<string>();
  const emit = (a: AlertInstance, to: AlertTransition['to']) =>
    transitions.push({ key: a.key, to, at: now, alert: { ...a, flips: [...a.flips] } });

  // prev by rule and subject, so a condition is matched to its instance without building its key.
  const prevBySubject = new Map<string, Set<string>>();
  for (const p of Object.values(prev)) {
    const k = `${p.ruleId}\u0000${p.subject.type}`;
    let ids = prevBySubject.get(k);
    if (!ids) prevBySubject.set(k, (ids = new Set()));
    ids.add(p.subject.id);
  }

  const step = (rule: Rule, cond: Condition) => {
    const key = alertKey(rule.id, cond.subject);
    seen.add(key);
    const p = prev[key];
    if (!p && !cond.active) return;
    const a: AlertInstance = p
      ? {
          ...p,
          flips: p.flips.filter((t) => t > now - config.flap.windowMs),
          subject: cond.subject,
          severity: rule.severity,
          incidentClass: rule.incidentClass,
          summary: cond.active && cond.summary ? cond.summary : p.summary,
        }
      : {
          key,
          ruleId: rule.id,
          kind: rule.kind,
          severity: rule.severity,
          incidentClass: rule.incidentClass,
          subject: cond.subject,
          phase: 'inactive',
          active: false,
          activeSince: now,
          clearedSince: null,
          firedAt: null,
          resolvedAt: null,
          flips: [],
          flapping: false,
          summary: cond.summary,
        };
    const wasActive = p?.active ?? false;
    if (cond.active !== wasActive) {
      if (!cond.silenced) a.flips.push(now);
      a.active = cond.active;
      if (cond.active) a.activeSince = Math.max(cond.since ?? now, state.observingSince);
    } else if (cond.active && cond.since !== undefined) {
      a.activeSince = Math.max(cond.since, state.observingSince);
    }
    if (cond.active) a.clearedSince = null;

    // Flapping: one notification, then quiet until a whole window passes without a change.
    if (a.flapping) {
      if (a.flips.length === 0) {
        a.flapping = false;
        if (a.active) emit(a, 'flapping_ended');
        else {
          a.phase = 'inactive';
          a.resolvedAt = now;
          emit(a, 'resolved');
        }
      }
      return keep(a);
    }
    if (a.flips.length >= config.flap.threshold) {
      a.flapping = true;
      a.phase = 'firing';
      a.firedAt ??= now;
      a.resolvedAt = null;
      emit(a, 'flapping');
      return keep(a);
    }

    if (a.active) {
      const held = now - a.activeSince;
      const graceOk = !kindOf(rule).afterRestartGrace || now - state.observingSince >= config.restartGraceMs;
      if (a.phase !== 'firing') {
        if (held >= rule.forMs && graceOk) {
          a.phase = 'firing';
          a.firedAt = now;
          a.resolvedAt = null;
          emit(a, 'firing');
        } else if (a.phase === 'inactive') {
          a.phase = 'pending';
          emit(a, 'pending');
        }
      }
    } else if (a.phase === 'pending') {
      a.phase = 'inactive';
    } else if (a.phase === 'firing') {
      a.clearedSince ??= now;
      if (now - a.clearedSince >= rule.cooldownMs) {
        a.phase = 'inactive';
        a.resolvedAt = now;
        a.clearedSince = null;
        emit(a, 'resolved');
      }
    }
    keep(a);
  };

  const keep = (a: AlertInstance) => {
    // An inactive instance is kept only while its flap history matters.
    if (a.phase === 'inactive' && !a.flapping && a.flips.length === 0 && !a.active) return;
    next[a.key] = a;
  };

  for (const rule of config.rules) {
    if (!rule.enabled) continue;
    const nodeIds = prevBySubject.get(`${rule.id}\u0000node`);
    const hasPrev = (type: AlertSubject['type'], id: string) =>
      (type === 'node' ? nodeIds : prevBySubject.get(`${rule.id}\u0000${type}`))?.has(id) ?? false;
    for (const cond of conditionsFor(rule, state, now, hasPrev)) step(rule, cond);
  }
  // Alerts whose node, operator or rule is gone: resolve at once (the subject no longer exists).
  for (const [key, p] of Object.entries(prev)) {
    if (seen.has(key)) continue;
    if (p.phase === 'firing') {
      const a: AlertInstance = { ...p, phase: 'inactive', active: false, flapping: false, clearedSince: null, resolvedAt: now, flips: [] };
      emit(a, 'resolved');
    }
  }
  return { state: next, transitions };
}
