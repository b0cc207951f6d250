/**
 * Telegram bot API sendMessage: POST {apiBaseUrl}/bot<token>/sendMessage with {chat_id, text}.
 * Plain text (no parse_mode: nothing to escape), text <= 4096 chars, link previews off. The bot
 * token is part of the URL: a secret, never logged (http.ts never reports URLs). Telegram answers
 * {ok: true, result}; {ok: false, error_code, description, parameters.retry_after} otherwise.
 * `apiBaseUrl` is configurable (tests, self-hosted Bot API servers).
 */
import type { Channel, Notification } from './channel.ts';
import type { TelegramConfig } from './schemas.ts';
import { plainText } from './format.ts';
import { postJson } from './http.ts';

export function telegramPayload(n: Notification, cfg: Pick<TelegramConfig, 'chatId'>) {
  return {
    chat_id: cfg.chatId,
    text: plainText(n, 4096),
    link_preview_options: { is_disabled: true },
    disable_notification: n.transition === 'resolved' || n.severity === 'P3',
  };
}

export function createTelegramChannel(cfg: TelegramConfig): Channel {
  const url = `${cfg.apiBaseUrl.replace(/\/+$/, '')}/bot${cfg.botToken}/sendMessage`;
  return {
    name: cfg.name,
    type: 'telegram',
    send: (n, opts) =>
      postJson(url, telegramPayload(n, cfg), {
        timeoutMs: cfg.timeoutMs,
        signal: opts?.signal,
        okFromBody: (b) => (b as { ok?: unknown } | undefined)?.ok === true,
        retryAfterFromBody: (b) => {
          const s = (b as { parameters?: { retry_after?: unknown } } | undefined)?.parameters?.retry_after;
          return typeof s === 'number' ? s * 1000 : undefined;
        },
      }),
  };
}
