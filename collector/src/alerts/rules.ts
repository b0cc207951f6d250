/**
 * Alert rules are data: a default list plus configuration (TypeBox schema with defaults), evaluated
 * by one pure function `evaluate(state, prev, now, config)`.
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
 * counted towards any `for`, and node-offline additionally waits `restartGraceMs` after the
 * collector (or its database) came back, so agents can reconnect and flush their buffers.
 * Nodes (and operators) in maintenance are silenced: their conditions count as clear.
 * A node that never reported is untracked: no rule fires for it (types.ts isTracked).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type {
  AlertInstance,
  AlertState,
  AlertSubject,
  AlertTransition,
  CheckStatus,
  EvaluationResult,
  FleetState,
  NodeState,
} from './types.ts';
import { isTracked } from './types.ts';

const MIN = 60_000;
const DAY = 86_400_000;

const RuleId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9_.-]+$' });
const Severity = Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')]);
const IncidentClassT = Type.Union([Type.Literal('down'), Type.Literal('P2'), Type.Literal('P3')]);
const CheckStatusT = Type.Union([Type.Literal('ok'), Type.Literal('warn'), Type.Literal('critical'), Type.Literal('unknown')]);

function common(defaults: {
  severity: 'critical' | 'warning' | 'info';
  incidentClass: 'down' | 'P2' | 'P3';
  forMs: number;
  cooldownMs: number;
}) {
  return {
    id: RuleId,
    enabled: Type.Boolean({ default: true }),
    severity: Type.Union(Severity.anyOf, { default: defaults.severity }),
    incidentClass: Type.Union(IncidentClassT.anyOf, {
      default: defaults.incidentClass,
      description: 'down: counts as the node being down (P2, and towards P1/P0)',
    }),
    forMs: Type.Integer({ minimum: 0, default: defaults.forMs }),
    cooldownMs: Type.Integer({ minimum: 0, default: defaults.cooldownMs }),
  };
}

export const NodeOfflineRule = Type.Object(
  {
    kind: Type.Literal('node_offline'),
    ...common({ severity: 'critical', incidentClass: 'down', forMs: 5 * MIN, cooldownMs: MIN }),
    graceMs: Type.Integer({ minimum: 0, default: 15_000, description: 'no heartbeat for this long = offline (3 x 5 s)' }),
  },
  { additionalProperties: false },
);

export const CheckRule = Type.Object(
  {
    kind: Type.Literal('check'),
    ...common({ severity: 'warning', incidentClass: 'P3', forMs: 5 * MIN, cooldownMs: MIN }),
    match: Type.Object(
      {
        names: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        probes: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        slaCritical: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    statuses: Type.Array(CheckStatusT, { minItems: 1, default: ['warn', 'critical'] }),
  },
  { additionalProperties: false },
);

export const DiskRule = Type.Object(
  {
    kind: Type.Literal('disk'),
    ...common({ severity: 'warning', incidentClass: 'P3', forMs: 5 * MIN, cooldownMs: 5 * MIN }),
    thresholdPct: Type.Number({ minimum: 0, maximum: 100, description: 'fires when used % >= this' }),
  },
  { additionalProperties: false },
);

export const CredentialExpiryRule = Type.Object(
  {
    kind: Type.Literal('credential_expiry'),
    ...common({ severity: 'warning', incidentClass: 'P3', forMs: 0, cooldownMs: 0 }),
    warnBeforeMs: Type.Integer({ minimum: 0, default: 14 * DAY }),
  },
  { additionalProperties: false },
);

export const ClockSkewRule = Type.Object(
  {
    kind: Type.Literal('clock_skew'),
    ...common({ severity: 'warning', incidentClass: 'P3', forMs: 5 * MIN, cooldownMs: 5 * MIN }),
    maxSkewMs: Type.Integer({ minimum: 0, default: 60_000 }),
  },
  { additionalProperties: false },
);

export const SlaAtRiskRule = Type.Object(
  {
    kind: Type.Literal('sla_at_risk'),
    ...common({ severity: 'warning', incidentClass: 'P3', forMs: 30 * MIN, cooldownMs: 30 * MIN }),
    marginRatio: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'fires when projected < target + margin' }),
  },
  { additionalProperties: false },
);

export const Rule = Type.Union([NodeOfflineRule, CheckRule, DiskRule, CredentialExpiryRule, ClockSkewRule, SlaAtRiskRule]);
export type Rule = Static<typeof Rule>;

const ruleSchemas: Record<Rule['kind'], TSchema> = {
  node_offline: NodeOfflineRule,
  check: CheckRule,
  disk: DiskRule,
  credential_expiry: CredentialExpiryRule,
  clock_skew: ClockSkewRule,
  sla_at_risk: SlaAtRiskRule,
};

export const RulesConfigSchema = Type.Object(
  {
    restartGraceMs: Type.Integer({
      minimum: 0,
      default: 2 * MIN,
      description: 'node-offline waits this long after the collector/database came back',
    }),
    flap: Type.Object(
      {
        windowMs: Type.Integer({ minimum: 1, default: 30 * MIN }),
        threshold: Type.Integer({ minimum: 2, default: 6, description: 'condition changes within the window that make an alert flapping' }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Rules by id: an entry with a default rule's id overrides its fields; a new id adds a rule. */
    rules: Type.Array(Type.Record(Type.String(), Type.Unknown()), { default: [] }),
  },
  { additionalProperties: false },
);
export type RulesConfigInput = Partial<Static<typeof RulesConfigSchema>> & { rules?: Array<Record<string, unknown>> };

export interface RulesConfig {
  restartGraceMs: number;
  flap: { windowMs: number; threshold: number };
  rules: Rule[];
}

export const DEFAULT_RULES: readonly Rule[] = Object.freeze([
  {
    kind: 'node_offline',
    id: 'node_offline',
    enabled: true,
    severity: 'critical',
    incidentClass: 'down',
    forMs: 5 * MIN,
    cooldownMs: MIN,
    graceMs: 15_000,
  },
  {
    kind: 'check',
    id: 'sla_check_failing',
    enabled: true,
    severity: 'critical',
    incidentClass: 'down',
    forMs: 5 * MIN,
    cooldownMs: MIN,
    match: { slaCritical: true },
    statuses: ['critical'],
  },
  {
    kind: 'disk',
    id: 'disk_warning',
    enabled: true,
    severity: 'warning',
    incidentClass: 'P3',
    forMs: 5 * MIN,
    cooldownMs: 5 * MIN,
    thresholdPct: 85,
  },
  {
    kind: 'disk',
    id: 'disk_critical',
    enabled: true,
    severity: 'critical',
    incidentClass: 'P2',
    forMs: 5 * MIN,
    cooldownMs: 5 * MIN,
    thresholdPct: 90,
  },
  {
    kind: 'check',
    id: 'tmux_session_missing',
    enabled: true,
    severity: 'warning',
    incidentClass: 'P3',
    forMs: 5 * MIN,
    cooldownMs: MIN,
    match: { probes: ['tmux'], names: ['tmux'] },
    statuses: ['warn', 'critical'],
  },
  {
    kind: 'check',
    id: 'cron_stale',
    enabled: true,
    severity: 'warning',
    incidentClass: 'P3',
    forMs: 15 * MIN,
    cooldownMs: 5 * MIN,
    match: { probes: ['cron'], names: ['cron'] },
    statuses: ['warn', 'critical'],
  },
  {
    kind: 'credential_expiry',
    id: 'credential_expiring',
    enabled: true,
    severity: 'warning',
    incidentClass: 'P3',
    forMs: 0,
    cooldownMs: 0,
    warnBeforeMs: 14 * DAY,
  },
  {
    kind: 'clock_skew',
    id: 'clock_skew',
    enabled: true,
    severity: 'warning',
    incidentClass: 'P3',
    forMs: 5 * MIN,
    cooldownMs: 5 * MIN,
    maxSkewMs: 60_000,
  },
  {
    kind: 'sla_at_risk',
    id: 'sla_at_risk',
    enabled: true,
    severity: 'warning',
    incidentClass: 'P3',
    forMs: 30 * MIN,
    cooldownMs: 30 * MIN,
    marginRatio: 0,
  },
] satisfies Rule[]);

export class AlertConfigError extends Error {
  readonly code = 'ALERT_CONFIG_INVALID';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid alert rules config: ${problems.join('; ')}`);
    this.name = 'AlertConfigError';
    this.problems = problems;
  }
}

function errorsOf(schema: TSchema, value: unknown, prefix: string): string[] {
  return [...Value.Errors(schema, value)].map((e) => `${prefix}${e.path || '/'}: ${e.message}`);
}

/** Validate a rules config once at start: defaults filled, every problem listed (AlertConfigError). */
export function loadRulesConfig(input: unknown = {}): RulesConfig {
  const raw = Value.Default(RulesConfigSchema, structuredClone(input ?? {}));
  const problems = errorsOf(RulesConfigSchema, raw, '');
  if (problems.length) throw new AlertConfigError(problems);
  const cfg = raw as Static<typeof RulesConfigSchema>;
  const byId = new Map<string, Rule>(DEFAULT_RULES.map((r) => [r.id, structuredClone(r) as Rule]));
  cfg.rules.forEach((entry, i) => {
    const id = entry.id;
    if (typeof id !== 'string') {
      problems.push(`/rules/${i}/id: required`);
      return;
    }
    const base = byId.get(id);
    const merged: Record<string, unknown> = { ...(base ?? {}), ...entry };
    const kind = merged.kind as Rule['kind'];
    const schema = ruleSchemas[kind];
    if (!schema) {
      problems.push(`/rules/${i}/kind: must be one of ${Object.keys(ruleSchemas).join(', ')}`);
      return;
    }
    if (base && base.kind !== kind) {
      problems.push(`/rules/${i}/kind: cannot change the kind of default rule ${id}`);
      return;
    }
    const filled = Value.Default(schema, merged);
    const errs = errorsOf(schema, filled, `/rules/${i}`);
    if (errs.length) problems.push(...errs);
    else byId.set(id, filled as Rule);
  });
  if (problems.length) throw new AlertConfigError(problems);
  return { restartGraceMs: cfg.restartGraceMs, flap: cfg.flap, rules: [...byId.values()] };
}

export const DEFAULT_RULES_CONFIG: RulesConfig = loadRulesConfig({});

/**
 * What the enabled rules can react to in the fleet's check data: the check statuses some check rule
 * fires on, and the lowest disk threshold. Anything else gives a clear condition whether it is read or
 * not, so the alert cycle reads only these (at fleet scale nearly every check is ok, every cycle).
 */
export interface FleetInterest {
  checkStatuses: CheckStatus[];
  /** null: no disk rule is enabled. */
  diskMinPct: number | null;
}

export function fleetInterest(config: RulesConfig): FleetInterest {
  const statuses = new Set<CheckStatus>();
  let diskMinPct: number | null = null;
  for (const r of config.rules) {
    if (!r.enabled) continue;
    if (r.kind === 'check') for (const s of r.statuses) if (s !== 'unknown') statuses.add(s);
    if (r.kind === 'disk') diskMinPct = Math.min(diskMinPct ?? Infinity, r.thresholdPct);
  }
  return { checkStatuses: [...statuses].sort(), diskMinPct };
}

// ---------------------------------------------------------------------------------------------
// Conditions: one per (rule, subject), computed from the state.

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

function checkMatches(rule: Static<typeof CheckRule>, name: string, probe: string | undefined, slaCritical: boolean | undefined): boolean {
  const m = rule.match;
  const selectors = m.names !== undefined || m.probes !== undefined;
  const bySelector = !selectors || (m.names?.includes(name) ?? false) || (probe !== undefined && (m.probes?.includes(probe) ?? false));
  const bySla = m.slaCritical === undefined || (slaCritical ?? false) === m.slaCritical;
  return bySelector && bySla;
}

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
  if (rule.kind === 'sla_at_risk') {
    for (const op of state.operators ?? []) {
      const at = op.projectedRatio !== null && op.projectedRatio < op.slaTarget + rule.marginRatio;
      yield {
        subject: { type: 'operator', id: op.id, operatorId: op.id },
        active: at && !op.inMaintenance,
        silenced: !!op.inMaintenance,
        summary: `operator ${op.id} projected to miss the ${op.tier ?? 'tier'} SLA: ${fmtPct(op.projectedRatio)} < ${fmtPct(op.slaTarget)}`,
      };
    }
    return;
  }
  for (const n of state.nodes) {
    const silenced = !!n.inMaintenance;
    const c = isTracked(n) ? nodeCondition(rule, n, now) : CLEAR;
    const active = c.active && !silenced;
    if (!active && !hasPrev('node', n.id)) continue;
    yield { subject: nodeSubject(n), ...c, active, silenced };
  }
}

const CLEAR = Object.freeze({ active: false, summary: '' });

function nodeCondition(
  rule: Exclude<Rule, { kind: 'sla_at_risk' }>,
  n: NodeState,
  now: number,
): { active: boolean; since?: number; summary: string } {
  switch (rule.kind) {
    case 'node_offline': {
      const last = n.lastHeartbeatAt;
      if (last === null) return CLEAR;
      if (now - last <= rule.graceMs) return { active: false, since: last, summary: '' };
      return { active: true, since: last, summary: `node ${n.id} offline: no heartbeat since ${new Date(last).toISOString()}` };
    }
    case 'check': {
      let failing: Array<[string, NodeState['checks'][string]]> | null = null;
      for (const name in n.checks) {
        const c = n.checks[name]!;
        if (c.status === 'unknown' || !rule.statuses.includes(c.status) || !checkMatches(rule, name, c.probe, c.slaCritical)) continue;
        (failing ??= []).push([name, c]);
      }
      if (!failing) return CLEAR;
      const since = Math.min(...failing.map(([, c]) => c.since));
      const what = failing.map(([name, c]) => `${name}=${c.status}${c.message ? ` (${c.message})` : ''}`).join(', ');
      return { active: true, since, summary: `node ${n.id}: ${what}` };
    }
    case 'disk': {
      const used = n.diskUsedPct;
      if (used === null || used === undefined || used < rule.thresholdPct) return CLEAR;
      return { active: true, summary: `node ${n.id}: root disk ${used.toFixed(1)} % used (threshold ${rule.thresholdPct} %)` };
    }
    case 'credential_expiry': {
      const exp = n.credentialExpiresAt;
      if (exp === null || exp === undefined || exp - now > rule.warnBeforeMs) return CLEAR;
      const left = exp - now;
      return {
        active: true,
        since: exp - rule.warnBeforeMs,
        summary: left > 0 ? `node ${n.id}: credential expires in ${Math.ceil(left / 3_600_000)} h` : `node ${n.id}: credential expired`,
      };
    }
    case 'clock_skew': {
      const skew = n.clockSkewMs;
      if (skew === null || skew === undefined || Math.abs(skew) <= rule.maxSkewMs) return CLEAR;
      return { active: true, summary: `node ${n.id}: clock skew ${(skew / 1000).toFixed(1)} s` };
    }
  }
}

function fmtPct(r: number | null): string {
  return r === null ? 'n/a' : `${(r * 100).toFixed(2)} %`;
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
      const graceOk = rule.kind !== 'node_offline' || now - state.observingSince >= config.restartGraceMs;
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
