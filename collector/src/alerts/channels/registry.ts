/**
 * The one list of channel types. Adding a channel: one file (schema + create), its test, one line here.
 * `createChannels` validates every channel config once (listing every problem) and builds them.
 * Problems never quote the offending values (a URL or key may be a secret).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Channel } from './channel.ts';
import { DiscordConfig, createDiscordChannel } from './discord.ts';
import { PagerDutyConfig, createPagerDutyChannel } from './pagerduty.ts';
import { SlackConfig, createSlackChannel } from './slack.ts';
import { TelegramConfig, createTelegramChannel } from './telegram.ts';
import { WebhookConfig, createWebhookChannel } from './webhook.ts';

export interface ChannelDeps {
  now?: () => number;
}

interface ChannelType<S extends TSchema> {
  schema: S;
  create: (cfg: Static<S>, deps: ChannelDeps) => Channel;
}
const def = <S extends TSchema>(schema: S, create: (cfg: Static<S>, deps: ChannelDeps) => Channel): ChannelType<S> => ({ schema, create });

export const CHANNEL_TYPES = {
  webhook: def(WebhookConfig, createWebhookChannel),
  slack: def(SlackConfig, createSlackChannel),
  discord: def(DiscordConfig, createDiscordChannel),
  telegram: def(TelegramConfig, createTelegramChannel),
  pagerduty: def(PagerDutyConfig, createPagerDutyChannel),
} as const;

export type ChannelTypeName = keyof typeof CHANNEL_TYPES;
export const ChannelConfig = Type.Union([WebhookConfig, SlackConfig, DiscordConfig, TelegramConfig, PagerDutyConfig]);
export type ChannelConfig = Static<typeof ChannelConfig>;

export class ChannelConfigError extends Error {
  readonly code = 'ALERT_CHANNEL_CONFIG_INVALID';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid alert channel config: ${problems.join('; ')}`);
    this.name = 'ChannelConfigError';
    this.problems = problems;
  }
}

export function createChannels(configs: unknown[], deps: ChannelDeps = {}): Map<string, Channel> {
  const problems: string[] = [];
  const out = new Map<string, Channel>();
  configs.forEach((raw, i) => {
    const type = (raw as { type?: unknown } | null)?.type;
    const t = typeof type === 'string' ? (CHANNEL_TYPES as unknown as Record<string, ChannelType<TSchema>>)[type] : undefined;
    if (!t) {
      problems.push(`/channels/${i}/type: must be one of ${Object.keys(CHANNEL_TYPES).join(', ')}`);
      return;
    }
    const cfg = Value.Default(t.schema, structuredClone(raw));
    const errs = [...Value.Errors(t.schema, cfg)].map((e) => `/channels/${i}${e.path}: ${e.message}`);
    if (errs.length) {
      problems.push(...errs);
      return;
    }
    const name = (cfg as { name: string }).name;
    if (out.has(name)) {
      problems.push(`/channels/${i}/name: duplicate channel name ${name}`);
      return;
    }
    out.set(name, t.create(cfg, deps));
  });
  if (problems.length) throw new ChannelConfigError(problems);
  return out;
}
