import { describe, expect, it } from 'vitest';
import type { ChannelConfigError } from '../errors.ts';
import { CHANNEL_TYPES, createChannels } from './registry.ts';

describe('channel registry', () => {
  it('lists the five channel types', () => {
    expect(Object.keys(CHANNEL_TYPES).sort()).toEqual(['discord', 'pagerduty', 'slack', 'telegram', 'webhook']);
  });

  it('lists every problem with a stable code and never quotes secret values', () => {
    try {
      createChannels([
        { type: 'carrier-pigeon', name: 'x' },
        { type: 'telegram', name: 't', botToken: 'not a token SECRET1', chatId: 1 },
        { type: 'slack', name: 's', url: 'ftp://hooks/SECRET2' },
        { type: 'webhook', name: 'w', url: 'https://ok.example', hmacSecret: 'short-SECRET3' },
        { type: 'pagerduty', name: 'p', routingKey: 'k' },
        { type: 'pagerduty', name: 'p', routingKey: 'k' },
      ]);
      expect.unreachable();
    } catch (e) {
      const err = e as ChannelConfigError;
      expect(err.code).toBe('FLEET_ALERT_CHANNEL_CONFIG_INVALID');
      const all = err.problems.join('\n');
      expect(all).toContain('/channels/0/type');
      expect(all).toContain('/channels/1/botToken');
      expect(all).toContain('/channels/2/url');
      expect(all).toContain('/channels/3/hmacSecret');
      expect(all).toContain('/channels/5/name: duplicate');
      expect(all + err.message).not.toMatch(/SECRET\d/);
    }
  });

  it('fills defaults', () => {
    const ch = createChannels([{ type: 'pagerduty', name: 'pd', routingKey: 'k' }]);
    expect(ch.get('pd')).toMatchObject({ name: 'pd', type: 'pagerduty' });
  });
});
