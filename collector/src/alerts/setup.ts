/**
 * From the `alerts` block of the collector config to the engine's options and the channels, once at
 * start. `alertingProblems` lists every problem (config.ts turns them into its ConfigError) and never
 * quotes a value (URLs and keys may be secrets).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Channel } from './channels/channel.ts';
import { createChannels } from './channels/registry.ts';
import type { EngineOptions } from './engine.ts';
import { loadIncidentPolicy, type IncidentPolicy } from './incidents.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.ts';
import { loadRoutingConfig, type RoutingConfig } from './routing.ts';
import { loadRulesConfig, type RulesConfig } from './rules.ts';

/** The `alerts` block. Rules, incidents, channels and routing are validated by their own loaders. */
export const AlertsConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'run the alert cycle and the dispatcher' }),
    evaluateIntervalS: Type.Number({
      exclusiveMinimum: 0,
      default: 5,
      description: 'how often the alert cycle runs (one collector at a time)',
    }),
    dispatchIntervalS: Type.Number({
      exclusiveMinimum: 0,
      default: 1,
      description: 'how often every collector delivers due notifications',
    }),
    rules: Type.Optional(Type.Unknown({ description: 'restartGraceMs, flap, rules[] (see collector/src/alerts/rules.ts)' })),
    incidents: Type.Optional(
      Type.Unknown({ description: 'P0/P1 thresholds, escalation, targets (see collector/src/alerts/incidents.ts)' }),
    ),
    channels: Type.Array(Type.Unknown(), { default: [], description: 'webhook, slack, discord, telegram, pagerduty' }),
    routing: Type.Optional(Type.Unknown({ description: 'routes by operator/region/severity; default; escalation' })),
    ackLinkSecret: Type.Optional(
      Type.String({ minLength: 32, description: 'secret: HMAC key of the acknowledge links in notifications (>= 32 bytes)' }),
    ),
    ackLinkTtlH: Type.Number({ exclusiveMinimum: 0, default: 24 }),
    retry: Type.Object(
      {
        baseMs: Type.Integer({ minimum: 1, default: DEFAULT_RETRY_POLICY.baseMs }),
        capMs: Type.Integer({ minimum: 1, default: DEFAULT_RETRY_POLICY.capMs }),
        maxAgeMs: Type.Integer({ minimum: 1, default: DEFAULT_RETRY_POLICY.maxAgeMs, description: 'give up after retrying this long' }),
        leaseMs: Type.Integer({
          minimum: 100,
          default: DEFAULT_RETRY_POLICY.leaseMs,
          description: 'a claimed notification is taken over after this long (killed sender)',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type AlertsConfig = Static<typeof AlertsConfig>;

export interface Alerting {
  rules: RulesConfig;
  policy: IncidentPolicy;
  channels: Map<string, Channel>;
  routing: RoutingConfig;
  retry: RetryPolicy;
  /** Engine options without metrics (the runtime adds them). */
  engine: EngineOptions;
}

/** "/rules/0/forMs: msg" -> ".rules.0.forMs: msg" (the message itself untouched). */
function dotted(problem: string): string {
  const m = /^(\/[^:]*): (.*)$/s.exec(problem);
  return m ? `${m[1]!.replace(/\//g, '.').replace(/\.$/, '')}: ${m[2]}` : `: ${problem}`;
}

/** Builds everything; throws an Error with `problems` (every one, prefixed `alerts.`) when invalid. */
export function buildAlerting(cfg: AlertsConfig, publicUrl: string | undefined): Alerting {
  const problems: string[] = [];
  const attempt = <T>(where: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (e) {
      const err = e as Error & { problems?: string[] };
      if (err.problems)
        problems.push(...err.problems.map((p) => `alerts.${where}${dotted(p)}`.replace(/^alerts\.channels\.channels/, 'alerts.channels')));
      else problems.push(`alerts.${where}: ${err.message}`);
      return undefined;
    }
  };
  const rules = attempt('rules', () => loadRulesConfig(cfg.rules ?? {}));
  const policy = attempt('incidents', () => loadIncidentPolicy(cfg.incidents ?? {}));
  const channels = attempt('channels', () => createChannels(cfg.channels ?? []));
  const routing = channels ? attempt('routing', () => loadRoutingConfig(cfg.routing ?? {}, channels.keys())) : undefined;
  if (cfg.retry.capMs < cfg.retry.baseMs) problems.push('alerts.retry.capMs: must be >= baseMs');
  if (problems.length || !rules || !policy || !channels || !routing)
    throw Object.assign(new Error(`invalid alerts config: ${problems.join('; ')}`), { problems });
  const base = (publicUrl ?? '').replace(/\/+$/, '');
  const engine: EngineOptions = {
    rules,
    policy,
    routing,
    ...(cfg.ackLinkSecret && base ? { ackLinks: { baseUrl: base, keys: [cfg.ackLinkSecret], ttlMs: cfg.ackLinkTtlH * 3_600_000 } } : {}),
    ...(base ? { incidentUrl: (id: string) => `${base}/v1/incidents/${encodeURIComponent(id)}` } : {}),
  };
  return { rules, policy, channels, routing, retry: { ...cfg.retry }, engine };
}

/** For config.ts: the problems of an alerts block, [] when it is valid. */
export function alertingProblems(cfg: AlertsConfig, publicUrl: string | undefined): string[] {
  try {
    buildAlerting(cfg, publicUrl);
    return [];
  } catch (e) {
    return (e as { problems?: string[] }).problems ?? [(e as Error).message];
  }
}
