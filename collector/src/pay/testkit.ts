/** Test helpers: shipped policies and compact evidence builders. Used by the tests only. */
import { readFileSync } from 'node:fs';
import type { NodeEvidence, OperatorEvidence, OwnedSpan } from './evidence.ts';
import { parseMonth } from './month.ts';
import { loadPolicy, parsePolicy, policyFor, type PayPolicy, type PolicyVersion } from './policy.ts';

export const POLICY_DIR = new URL('../../pay-policies/', import.meta.url);

export function shippedPolicy(name: string): PayPolicy {
  return loadPolicy(readFileSync(new URL(`${name}.yaml`, POLICY_DIR), 'utf8'), `${name}.yaml`);
}

export const shippedVersion = (name: string, month: string): PolicyVersion => policyFor(shippedPolicy(name), month);

/** ISO text → ms epoch. */
export const at = (iso: string): number => Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);

interface States {
  up?: number;
  down?: number;
  unknown?: number;
  maintenance?: number;
}

/**
 * One ownership span. Without `up`, UP is whatever of the span the other states leave; a span still
 * owned (`to` null) needs `openEnd` for that.
 */
export function span(from: string, to: string | null, s: States = {}, openEnd?: string): OwnedSpan {
  const down = s.down ?? 0;
  const unknown = s.unknown ?? 0;
  const maintenance = s.maintenance ?? 0;
  const end = to ?? openEnd;
  const up = s.up ?? (end === undefined ? 0 : (at(end) - at(from)) / 1000 - down - unknown - maintenance);
  return {
    from: at(from),
    to: to === null ? null : at(to),
    upSeconds: up,
    downSeconds: down,
    unknownSeconds: unknown,
    maintenanceSeconds: maintenance,
  };
}

/** A node owned the whole month, still owned, with the given non-UP seconds (the rest UP). */
export function fullNode(nodeId: string, month: string, s: States = {}): NodeEvidence {
  const m = parseMonth(month);
  const next = new Date(m.end).toISOString().slice(0, 10);
  return { nodeId, spans: [span(`${month}-01`, null, s, next)] };
}

export const fullNodes = (count: number, month: string): NodeEvidence[] =>
  Array.from({ length: count }, (_, i) => fullNode(`n${String(i + 1).padStart(2, '0')}`, month));

export function operatorEvidence(
  month: string,
  over: {
    operator?: Partial<OperatorEvidence['operator']>;
    nodes?: NodeEvidence[];
    tasks?: OperatorEvidence['tasks'];
    incidents?: OperatorEvidence['incidents'];
  } = {},
): OperatorEvidence {
  return {
    subject: 'operator',
    operator: { id: 'alice', tier: 'certified', lifecycle: 'certified', activeSince: '2026-01-01', lastActiveDay: null, ...over.operator },
    nodes: over.nodes ?? fullNodes(1, month),
    tasks: over.tasks ?? [{ sourceId: `tasks-${month}`, assigned: 100, completed: 100 }],
    incidents: over.incidents ?? [],
  };
}

/** The amounts of a statement's lines by code (summed when a code has several lines). */
export function amounts(lines: Array<{ code: string; amountCents: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) out[l.code] = (out[l.code] ?? 0) + l.amountCents;
  return out;
}

/** A policy version made of the given lines (tiers certified, senior, fleet_lead), in force from 2020-01. */
export function versionWith(...lines: Array<Record<string, unknown>>): PolicyVersion {
  const policy = parsePolicy({
    policy: 'test',
    currency: 'USD',
    versions: [{ id: 'v1', effectiveFrom: '2020-01', tiers: ['certified', 'senior', 'fleet_lead'], lines }],
  });
  return policy.versions[0]!;
}
