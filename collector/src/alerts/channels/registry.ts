/**
 * The one list of channel implementations, by type (their configuration schemas are in schemas.ts, which
 * the compiler holds this list to). Adding a channel: one file, its schema in schemas.ts, its test, one
 * line here. `createChannels` validates every channel config (listing every problem) and builds them.
 */
import type { Channel } from './channel.ts';
import { createDiscordChannel } from './discord.ts';
import { createPagerDutyChannel } from './pagerduty.ts';
import { loadChannelConfigs, type ChannelConfig, type ChannelTypeName } from './schemas.ts';
import { createSlackChannel } from './slack.ts';
import { createTelegramChannel } from './telegram.ts';
import { createWebhookChannel } from './webhook.ts';

export interface ChannelDeps {
  now?: () => number;
}

export const CHANNEL_TYPES: { [T in ChannelTypeName]: (cfg: Extract<ChannelConfig, { type: T }>, deps: ChannelDeps) => Channel } = {
  webhook: createWebhookChannel,
  slack: createSlackChannel,
  discord: createDiscordChannel,
  telegram: createTelegramChannel,
  pagerduty: createPagerDutyChannel,
};

export function createChannels(configs: unknown[], deps: ChannelDeps = {}): Map<string, Channel> {
  const create = CHANNEL_TYPES as Record<ChannelTypeName, (cfg: ChannelConfig, deps: ChannelDeps) => Channel>;
  return new Map(
    loadChannelConfigs(configs).map((cfg) => [cfg.name, Object.assign(create[cfg.type](cfg, deps), { timeoutMs: cfg.timeoutMs })]),
  );
}
