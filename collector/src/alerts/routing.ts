/**
 * Routing is data: routes match by operator, region, severity (and transition) and name channels.
 * Every matching route contributes its channels, in order, until one with `continue: false`
 * matches (as in Alertmanager). No match: the default channels. `escalated` notifications go to
 * the escalation route (the fleet lead) only.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { NotificationTransition, Severity } from '@timmy/shared';
import { RoutingConfigError } from './errors.ts';

const Names = Type.Array(Type.String({ minLength: 1 }), { minItems: 1 });

export const Route = Type.Object(
  {
    match: Type.Object(
      {
        operators: Type.Optional(Names),
        regions: Type.Optional(Names),
        severities: Type.Optional(Type.Array(Severity, { minItems: 1 })),
        transitions: Type.Optional(Type.Array(NotificationTransition, { minItems: 1 })),
      },
      { additionalProperties: false, default: {} },
    ),
    channels: Names,
    continue: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);

export const RoutingConfigSchema = Type.Object(
  {
    routes: Type.Array(Route, { default: [] }),
    default: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    escalation: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'channels of the fleet lead, for escalations' }),
  },
  { additionalProperties: false },
);
export type RoutingConfig = Static<typeof RoutingConfigSchema>;

/** Validate once at start; `channelNames` are the configured channels (every route must name one). */
export function loadRoutingConfig(input: unknown, channelNames: Iterable<string>): RoutingConfig {
  const cfg = Value.Default(RoutingConfigSchema, structuredClone(input ?? {}));
  const problems = [...Value.Errors(RoutingConfigSchema, cfg)].map((e) => `${e.path || '/'}: ${e.message}`);
  if (!problems.length) {
    const known = new Set(channelNames);
    const c = cfg as RoutingConfig;
    const check = (names: string[], where: string) =>
      names.forEach((n, i) => known.has(n) || problems.push(`${where}/${i}: unknown channel ${n}`));
    c.routes.forEach((r, i) => check(r.channels, `/routes/${i}/channels`));
    check(c.default, '/default');
    check(c.escalation, '/escalation');
  }
  if (problems.length) throw new RoutingConfigError(problems);
  return cfg as RoutingConfig;
}

export interface Routable {
  severity: Severity;
  operatorIds: string[];
  regions: string[];
  transition: NotificationTransition;
}

const overlaps = (want: string[] | undefined, have: string[]) => want === undefined || have.some((h) => want.includes(h));

/** The channel names a notification goes to (unique, in route order). */
export function route(n: Routable, cfg: RoutingConfig): string[] {
  if (n.transition === 'escalated') return [...new Set(cfg.escalation)];
  const out: string[] = [];
  let matched = false;
  for (const r of cfg.routes) {
    const m = r.match;
    if (!overlaps(m.operators, n.operatorIds) || !overlaps(m.regions, n.regions)) continue;
    if (m.severities && !m.severities.includes(n.severity)) continue;
    if (m.transitions && !m.transitions.includes(n.transition)) continue;
    matched = true;
    out.push(...r.channels);
    if (!r.continue) break;
  }
  return [...new Set(matched ? out : cfg.default)];
}
