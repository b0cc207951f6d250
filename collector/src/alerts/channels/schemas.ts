/**
 * The configuration of every channel type, one schema each, and their validation: what config
 * validation needs of the channels without loading them (registry.ts builds them from these).
 * Problems never quote the offending values (a URL or key may be a secret).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ChannelConfigError } from '../errors.ts';

export const WebhookConfig = Type.Object(
  {
    type: Type.Literal('webhook'),
    name: Type.String({ minLength: 1 }),
    url: Type.String({ pattern: '^https?://' }),
    hmacSecret: Type.Optional(Type.String({ minLength: 16, description: 'secret: HMAC-SHA256 key' })),
    signatureHeader: Type.String({ default: 'X-Timmy-Signature' }),
    receiver: Type.String({ default: 'timmy-fleet' }),
    externalUrl: Type.String({ default: '' }),
    maxAlerts: Type.Integer({ minimum: 0, default: 0, description: '0 = all (Alertmanager max_alerts)' }),
    timeoutMs: Type.Integer({ minimum: 1, default: 10_000 }),
  },
  { additionalProperties: false },
);
export type WebhookConfig = Static<typeof WebhookConfig>;

export const SlackConfig = Type.Object(
  {
    type: Type.Literal('slack'),
    name: Type.String({ minLength: 1 }),
    url: Type.String({ pattern: '^https?://', description: 'secret: the incoming webhook URL' }),
    timeoutMs: Type.Integer({ minimum: 1, default: 10_000 }),
  },
  { additionalProperties: false },
);
export type SlackConfig = Static<typeof SlackConfig>;

export const DiscordConfig = Type.Object(
  {
    type: Type.Literal('discord'),
    name: Type.String({ minLength: 1 }),
    url: Type.String({ pattern: '^https?://', description: 'secret: the webhook URL with its token' }),
    username: Type.String({ minLength: 1, maxLength: 80, default: 'Timmy Fleet' }),
    timeoutMs: Type.Integer({ minimum: 1, default: 10_000 }),
  },
  { additionalProperties: false },
);
export type DiscordConfig = Static<typeof DiscordConfig>;

export const TelegramConfig = Type.Object(
  {
    type: Type.Literal('telegram'),
    name: Type.String({ minLength: 1 }),
    botToken: Type.String({ minLength: 1, pattern: '^[0-9]+:[A-Za-z0-9_-]+$', description: 'secret: the bot token' }),
    chatId: Type.Union([Type.Integer(), Type.String({ minLength: 1 })]),
    apiBaseUrl: Type.String({ pattern: '^https?://', default: 'https://api.telegram.org' }),
    timeoutMs: Type.Integer({ minimum: 1, default: 10_000 }),
  },
  { additionalProperties: false },
);
export type TelegramConfig = Static<typeof TelegramConfig>;

export const PagerDutyConfig = Type.Object(
  {
    type: Type.Literal('pagerduty'),
    name: Type.String({ minLength: 1 }),
    routingKey: Type.String({ minLength: 1, description: 'secret: the Events API v2 integration key' }),
    url: Type.String({ pattern: '^https?://', default: 'https://events.pagerduty.com/v2/enqueue' }),
    source: Type.String({ minLength: 1, default: 'timmy-fleet' }),
    timeoutMs: Type.Integer({ minimum: 1, default: 10_000 }),
  },
  { additionalProperties: false },
);
export type PagerDutyConfig = Static<typeof PagerDutyConfig>;

/** The one list of channel types and their schemas. */
export const CHANNEL_SCHEMAS = {
  webhook: WebhookConfig,
  slack: SlackConfig,
  discord: DiscordConfig,
  telegram: TelegramConfig,
  pagerduty: PagerDutyConfig,
} as const;
export type ChannelTypeName = keyof typeof CHANNEL_SCHEMAS;
export const ChannelConfig = Type.Union(Object.values(CHANNEL_SCHEMAS));
export type ChannelConfig = Static<(typeof CHANNEL_SCHEMAS)[ChannelTypeName]>;

/** Every channel config validated (defaults filled; names unique), or ChannelConfigError listing every problem. */
export function loadChannelConfigs(configs: unknown[]): ChannelConfig[] {
  const problems: string[] = [];
  const out: ChannelConfig[] = [];
  const names = new Set<string>();
  configs.forEach((raw, i) => {
    const type = (raw as { type?: unknown } | null)?.type;
    const schema: TSchema | undefined =
      typeof type === 'string' && Object.hasOwn(CHANNEL_SCHEMAS, type) ? CHANNEL_SCHEMAS[type as ChannelTypeName] : undefined;
    if (!schema) {
      problems.push(`/channels/${i}/type: must be one of ${Object.keys(CHANNEL_SCHEMAS).join(', ')}`);
      return;
    }
    const cfg = Value.Default(schema, structuredClone(raw));
    const errs = [...Value.Errors(schema, cfg)].map((e) => `/channels/${i}${e.path}: ${e.message}`);
    if (errs.length) {
      problems.push(...errs);
      return;
    }
    const name = (cfg as ChannelConfig).name;
    if (names.has(name)) {
      problems.push(`/channels/${i}/name: duplicate channel name ${name}`);
      return;
    }
    names.add(name);
    out.push(cfg as ChannelConfig);
  });
  if (problems.length) throw new ChannelConfigError(problems);
  return out;
}
