/**
 * Discord execute-webhook: POST {content, username, embeds, allowed_mentions} to the webhook URL
 * (the URL holds the webhook token: a secret). Limits from Discord's docs: content 2000 chars,
 * embed title 256, description 4096, <= 25 fields (name 256, value 1024). Mentions are disabled
 * so an incident text can never ping @everyone. 2xx (204, or 200 with ?wait=true) is delivered;
 * 429 carries Retry-After / retry_after.
 */
import type { Channel, Notification } from './channel.ts';
import type { DiscordConfig } from './schemas.ts';
import { detailLines, title, truncate } from './format.ts';
import { postJson } from './http.ts';

const COLORS: Record<string, number> = { P0: 0x8b0000, P1: 0xe01e1e, P2: 0xf28c28, P3: 0xf2c744, resolved: 0x2eb67d };

export function discordPayload(n: Notification, cfg: Pick<DiscordConfig, 'username'>) {
  const fields = [
    { name: 'severity', value: n.severity, inline: true },
    { name: 'transition', value: n.transition, inline: true },
    ...(n.nodes.length
      ? [{ name: `nodes (${n.nodes.length})`, value: truncate(n.nodes.map((x) => x.id).join(', '), 1024), inline: false }]
      : []),
    ...(n.regions.length ? [{ name: 'regions', value: truncate(n.regions.join(', '), 1024), inline: true }] : []),
    ...(n.ackUrl && n.transition !== 'resolved' && n.transition !== 'acknowledged'
      ? [{ name: 'acknowledge', value: truncate(n.ackUrl, 1024), inline: false }]
      : []),
  ].slice(0, 25);
  return {
    content: truncate(`${title(n)}: ${n.summary}`, 2000),
    username: cfg.username,
    allowed_mentions: { parse: [] as string[] },
    embeds: [
      {
        title: truncate(title(n), 256),
        description: truncate(detailLines(n).join('\n'), 4096),
        color: n.transition === 'resolved' ? COLORS.resolved : COLORS[n.severity],
        timestamp: new Date(n.at).toISOString(),
        fields,
      },
    ],
  };
}

export function createDiscordChannel(cfg: DiscordConfig): Channel {
  return {
    name: cfg.name,
    type: 'discord',
    send: (n, opts) =>
      postJson(cfg.url, discordPayload(n, cfg), {
        timeoutMs: cfg.timeoutMs,
        signal: opts?.signal,
        retryAfterFromBody: (b) => {
          const s = (b as { retry_after?: unknown } | undefined)?.retry_after;
          return typeof s === 'number' ? Math.ceil(s * 1000) : undefined;
        },
      }),
  };
}
