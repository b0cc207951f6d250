import { describe, expect, it } from 'vitest';
import type { RoutingConfigError } from './errors.ts';
import { loadRoutingConfig, route, type Routable } from './routing.ts';

const CHANNELS = ['ops-slack', 'lead-pd', 'op1-telegram', 'eu-discord', 'archive'];
const cfg = loadRoutingConfig(
  {
    routes: [
      { match: { severities: ['P0', 'P1'] }, channels: ['lead-pd'] },
      { match: { operators: ['op1'] }, channels: ['op1-telegram'] },
      { match: { regions: ['eu'], severities: ['P2', 'P3'] }, channels: ['eu-discord'], continue: false },
      { match: {}, channels: ['ops-slack'] },
    ],
    default: ['archive'],
    escalation: ['lead-pd', 'ops-slack'],
  },
  CHANNELS,
);

const n = (over: Partial<Routable>): Routable => ({ severity: 'P2', operatorIds: ['op2'], regions: ['us'], transition: 'opened', ...over });

describe('route', () => {
  it.each([
    { name: 'P1 in us by op2', n: n({ severity: 'P1' }), want: ['lead-pd', 'ops-slack'] },
    {
      name: 'P2 of op1 in eu stops at the eu route',
      n: n({ operatorIds: ['op1'], regions: ['eu'] }),
      want: ['op1-telegram', 'eu-discord'],
    },
    {
      name: 'P0 spanning operators and regions',
      n: n({ severity: 'P0', operatorIds: ['op1', 'op2'], regions: ['eu', 'us'] }),
      want: ['lead-pd', 'op1-telegram', 'ops-slack'],
    },
    { name: 'P3 in us goes to the catch-all', n: n({ severity: 'P3' }), want: ['ops-slack'] },
    {
      name: 'escalation goes to the fleet lead only',
      n: n({ operatorIds: ['op1'], transition: 'escalated' }),
      want: ['lead-pd', 'ops-slack'],
    },
  ])('$name', ({ n: input, want }) => {
    expect(route(input, cfg)).toEqual(want);
  });

  it('no matching route: the default channels', () => {
    const only = loadRoutingConfig({ routes: [{ match: { regions: ['ap'] }, channels: ['ops-slack'] }], default: ['archive'] }, CHANNELS);
    expect(route(n({}), only)).toEqual(['archive']);
    expect(route(n({ regions: ['ap'] }), only)).toEqual(['ops-slack']);
  });

  it('transition filter', () => {
    const c = loadRoutingConfig(
      { routes: [{ match: { transitions: ['target_missed'] }, channels: ['archive'], continue: false }, { channels: ['ops-slack'] }] },
      CHANNELS,
    );
    expect(route(n({ transition: 'target_missed' }), c)).toEqual(['archive']);
    expect(route(n({ transition: 'resolved' }), c)).toEqual(['ops-slack']);
  });

  it.each([
    { input: { routes: [{ channels: ['nope'] }] }, problem: '/routes/0/channels/0: unknown channel nope' },
    { input: { escalation: ['ghost'] }, problem: '/escalation/0: unknown channel ghost' },
    { input: { routes: [{ match: { severities: ['P9'] }, channels: ['archive'] }] }, problem: '/routes/0/match/severities/0' },
    { input: { routes: [{ channels: [] }] }, problem: '/routes/0/channels' },
  ])('refuses $problem', ({ input, problem }) => {
    try {
      loadRoutingConfig(input, CHANNELS);
      expect.unreachable();
    } catch (e) {
      expect((e as RoutingConfigError).code).toBe('FLEET_ALERT_ROUTING_INVALID');
      expect((e as RoutingConfigError).problems.join('\n')).toContain(problem);
    }
  });
});
