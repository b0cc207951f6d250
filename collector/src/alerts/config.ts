/**
 * The `alerts` block of the collector config, and what it means, validated once: rules, incident policy,
 * channel configs and routing as data (the engine's plan; the channels are built from it by
 * registry.ts). Schemas and pure loaders only: config validation loads no channel, engine or outbox.
 * `alertingProblems` lists every problem (config.ts turns them into its ConfigError) and never quotes a
 * value (URLs and keys may be secrets).
 */
import { Type, type Static } from '@sinclair/typebox';
import { loadChannelConfigs, type ChannelConfig } from './channels/schemas.ts';
import { AlertingConfigError } from './errors.ts';
import { loadIncidentPolicy, type IncidentPolicy } from './incident-policy.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.ts';
import { loadRoutingConfig, type RoutingConfig } from './routing.ts';
import { loadRulesConfig, type RulesConfig } from './rules/load.ts';

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
    rules: Type.Optional(Type.Unknown({ description: 'restartGraceMs, flap, rules[] (see collector/src/alerts/rules/)' })),
    incidents: Type.Optional(
      Type.Unknown({ description: 'P0/P1 thresholds, escalation, targets (see collector/src/alerts/incident-policy.ts)' }),
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
          description: 'a claimed notification is taken over after this long (killed sender); at least the longest channel timeout + 5 s',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type AlertsConfig = Static<typeof AlertsConfig>;

export interface AckLinkOptions {
  /** Public base URL of the collector (links point to `/v1/incidents/:id/ack?token=`). */
  baseUrl: string;
  /** HMAC keys, the first signs (>= 32 bytes each). */
  keys: string[];
  ttlMs: number;
}

/** What the engine needs, as data (it crosses to the cycle's worker thread as it is). */
export interface EnginePlan {
  routing: RoutingConfig;
  rules?: RulesConfig;
  policy?: IncidentPolicy;
  ackLinks?: AckLinkOptions;
  /** The collector's public URL (no trailing slash): notifications link to `{publicUrl}/v1/incidents/{id}`. */
  publicUrl?: string;
}

/** The alerts block validated, defaults filled: the engine's plan, the channels to build, the delivery policy. */
export interface AlertingPlan {
  engine: EnginePlan & Required<Pick<EnginePlan, 'rules' | 'policy'>>;
  channels: ChannelConfig[];
  retry: RetryPolicy;
}

/** "/rules/0/forMs: msg" -> ".rules.0.forMs: msg" (the message itself untouched). */
function dotted(problem: string): string {
  const m = /^(\/[^:]*): (.*)$/s.exec(problem);
  return m ? `${m[1]!.replace(/\//g, '.').replace(/\.$/, '')}: ${m[2]}` : `: ${problem}`;
}

/** The plan; throws AlertingConfigError (FLEET_CONFIG_INVALID) with every problem, prefixed `alerts.`, when invalid. */
export function loadAlerting(cfg: AlertsConfig, publicUrl: string | undefined): AlertingPlan {
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
  const channels = attempt('channels', () => loadChannelConfigs(cfg.channels ?? []));
  const routing = channels
    ? attempt('routing', () =>
        loadRoutingConfig(
          cfg.routing ?? {},
          channels.map((c) => c.name),
        ),
      )
    : undefined;
  if (cfg.retry.capMs < cfg.retry.baseMs) problems.push('alerts.retry.capMs: must be >= baseMs');
  if (problems.length || !rules || !policy || !channels || !routing)
    throw new AlertingConfigError('FLEET_CONFIG_INVALID', 'alerts config', problems);
  const base = (publicUrl ?? '').replace(/\/+$/, '');
  const engine = {
    rules,
    policy,
    routing,
    ...(cfg.ackLinkSecret && base ? { ackLinks: { baseUrl: base, keys: [cfg.ackLinkSecret], ttlMs: cfg.ackLinkTtlH * 3_600_000 } } : {}),
    ...(base ? { publicUrl: base } : {}),
  };
  return { engine, channels, retry: { ...cfg.retry } };
}

/** For config.ts: the problems of an alerts block, [] when it is valid. */
export function alertingProblems(cfg: AlertsConfig, publicUrl: string | undefined): string[] {
  try {
    loadAlerting(cfg, publicUrl);
    return [];
  } catch (e) {
    return e instanceof AlertingConfigError ? e.problems : [(e as Error).message];
  }
}
