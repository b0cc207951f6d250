/**
 * Slack incoming webhook: POST {text, blocks} to the webhook URL (the URL is the secret).
 * `text` is the notification fallback; blocks carry a header, the details and a context line.
 * Slack answers 200 `ok`; 400 invalid_payload / 403 / 404 / 410 are permanent; 429 and 5xx retry.
 */
import type { Channel, Notification } from './channel.ts';
import type { SlackConfig } from './schemas.ts';
import { detailLines, title, truncate } from './format.ts';
import { postJson } from './http.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackPayload(n: Notification) {
  const head = title(n);
  const lines = detailLines(n).map(esc);
  return {
    text: truncate(`${head}: ${n.summary}`, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(head, 150), emoji: false } },
      { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), 3000) } },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: truncate(`incident ${esc(n.incidentId)} · ${n.transition} · ${new Date(n.at).toISOString()}`, 3000) },
        ],
      },
    ],
  };
}

export function createSlackChannel(cfg: SlackConfig): Channel {
  return {
    name: cfg.name,
    type: 'slack',
    send: (n, opts) => postJson(cfg.url, slackPayload(n), { timeoutMs: cfg.timeoutMs, signal: opts?.signal }),
  };
}
