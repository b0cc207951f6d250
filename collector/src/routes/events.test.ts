/**
 * Live node state events across collectors: two collectors on one PostgreSQL, streams open on the
 * second, the first settles a node UP then DOWN (its agent falls silent): each change reaches the
 * streams allowed to see it within 2 s (PostgreSQL NOTIFY from migration 0017's trigger), an operator's
 * stream carries only their own nodes, a stream without a token only fleet counts, and the streams end
 * cleanly when the collector closes. Every wait is for a condition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import { openStream as open, until } from '../../../test/support/sse.ts';

const NOW = Date.UTC(2026, 11, 2, 10, 0);
/** Seconds between the streams' heartbeat comments here (eventsHeartbeatS; 15 by default): the test waits for one. */
const HEARTBEAT_S = 1;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c1: Awaited<ReturnType<typeof testCollector>>;
let c2: Awaited<ReturnType<typeof testCollector>>;
let base = '';
const clock = new ManualClock(NOW);
const tokens: Record<string, string> = {};
const nodes: Record<string, string> = {};

const openStream = (token?: string, opts?: { query?: string; lastEventId?: string }) => open(base, token, opts);

const report = async (node: string) => {
  const r = await c1.app.inject({
    method: 'POST',
    url: '/v1/reports',
    headers: { authorization: `Bearer ${nodes[node]}`, 'content-type': 'application/json' },
    payload: JSON.stringify(reportAt([clock.now])),
  });
  expect(r.statusCode, r.body).toBe(200);
  await c1.services.writer.drain();
};

beforeAll(async () => {
  db = await createTestDatabase('events', { migrated: true });
  c1 = await testCollector(db.url, clock, { anonymousRead: false, eventsHeartbeatS: HEARTBEAT_S });
  c2 = await testCollector(db.url, clock, { anonymousRead: false, eventsHeartbeatS: HEARTBEAT_S });
  base = await c2.app.listen({ host: '127.0.0.1', port: 0 });
  for (const [name, operator] of [
    ['a1', 'alice'],
    ['b1', 'bob'],
  ] as const)
    nodes[name] = (await c1.register(name, { operator, region: 'eu' })).token;
  const people = c1.services.program.people;
  for (const [name, role, extra] of [
    ['lee', 'fleet_lead', {}],
    ['amara', 'operator', { operator: 'alice' }],
  ] as const) {
    await people.add({ name, role, ...extra }, 'test', clock.now);
    tokens[name] = (await people.issueToken(name, {}, 'test', clock.now)).token;
  }
  await c1.services.observation.open();
});
afterAll(async () => {
  await c1?.close();
  await c2?.close().catch(() => {});
  await db?.drop();
});

describe('GET /v1/events', () => {
  it('?once=true: hello and the fleet counts, then the stream closes', async () => {
    const r = await c2.app.inject({ method: 'GET', url: '/v1/events?once=true' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain(`event: hello\ndata: {"role":"public","scope":"counts","heartbeatSeconds":${HEARTBEAT_S}}`);
    expect(r.body).toContain('"untracked":2');
  });

  it('a change settled on one collector reaches the streams on another within 2 s, each as its caller may see it; heartbeats; close ends them', async () => {
    const lead = openStream(tokens.lee);
    const alice = openStream(tokens.amara);
    const anon = openStream();
    expect([lead, alice, anon].every((x) => !x.ended)).toBe(true);
    for (const s of [lead, alice, anon]) await until('hello', () => s.events.find((e) => e.event === 'hello'));
    expect(alice.events[0]!.data).toMatchObject({ role: 'operator', scope: 'operator' });
    expect(lead.events[0]!.data).toMatchObject({ role: 'fleet_lead', scope: 'all' });

    // Both nodes report: settled UP (their first state).
    await report('a1');
    await report('b1');
    clock.advance(1_000);
    await c1.services.observation.beat();
    await c1.services.settler.run(clock.now);
    const up = await until('b1 UP on the lead stream', () => lead.events.find((e) => e.event === 'state' && e.data.node === 'b1'));
    expect(up.data).toMatchObject({ from: null, to: 'UP', operator: 'bob', region: 'eu', cause: 'heartbeat' });
    await until('a1 UP on alice', () => alice.events.find((e) => e.event === 'state' && e.data.node === 'a1'));

    // a1's agent falls silent: the collector keeps observing, the grace (15 s) runs out, the settle job writes DOWN.
    for (let s = 0; s < 30; s += 5) {
      clock.advance(5_000);
      await c1.services.observation.beat();
      await report('b1');
    }
    const settledAt = Date.now();
    await c1.services.settler.run(clock.now);
    const down = await until('a1 DOWN on alice', () => alice.events.find((e) => e.event === 'state' && e.data.to === 'DOWN'));
    expect(down.data).toMatchObject({ node: 'a1', from: 'UP', to: 'DOWN', cause: 'missed_heartbeats', operator: 'alice' });
    expect(down.at - settledAt).toBeLessThan(2_000);
    const leadDown = await until('a1 DOWN on the lead stream', () => lead.events.find((e) => e.data.to === 'DOWN'));
    expect(leadDown.at - settledAt).toBeLessThan(2_000);
    console.log(`state event after the settle run began: ${down.at - settledAt} ms (operator), ${leadDown.at - settledAt} ms (lead)`);
    // Alice's stream carries her node only; the anonymous stream only counts.
    expect(alice.events.filter((e) => e.event === 'state').map((e) => e.data.node)).toEqual(['a1', 'a1']);
    await until('counts with a DOWN', () =>
      anon.events.find((e) => e.event === 'counts' && (e.data.states as { DOWN: number }).DOWN === 1),
    );
    expect(anon.events.filter((e) => e.event === 'state')).toEqual([]);

    // Streams opened later (a console page opens its stream once drawn, ?since= when it was served; an
    // EventSource reconnects with the last id it saw) get what they missed, as their caller may see it, in order.
    const ids = lead.events.filter((e) => e.event === 'state').map((e) => e.id!);
    expect(ids.every((id) => /^[0-9]{16}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    const lateLead = openStream(tokens.lee, { query: `since=${NOW}` });
    const lateAlice = openStream(tokens.amara, { query: `since=${NOW}` });
    const resumed = openStream(tokens.lee, { lastEventId: ids[1] });
    const stateOf = (s: typeof lead) => s.events.filter((e) => e.event === 'state').map((e) => [e.data.node, e.data.to, e.id]);
    await until('the replay on the late lead stream', () => stateOf(lateLead).length === 3);
    expect(stateOf(lateLead)).toEqual(stateOf(lead));
    await until('the replay on the late operator stream', () => stateOf(lateAlice).length === 2);
    expect(stateOf(lateAlice)).toEqual(stateOf(alice));
    await until('the replay after the last id seen', () => stateOf(resumed).length === 1);
    expect(stateOf(resumed)).toEqual(stateOf(lead).slice(2));
    // Since now: nothing to replay (the hello and the counts only).
    const fresh = openStream(tokens.lee, { query: `since=${clock.now + 60_000}` });
    await until('counts on the fresh stream', () => fresh.events.find((e) => e.event === 'counts'));
    expect(stateOf(fresh)).toEqual([]);
    const bad = await c2.app.inject({ method: 'GET', url: '/v1/events?since=soon' });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'FLEET_BAD_REQUEST']);

    // A comment keeps idle streams open through proxies, every eventsHeartbeatS (HEARTBEAT_S here).
    await until('a heartbeat comment', () => lead.comments > 0 && anon.comments > 0, 40_000);

    // The collector closes: every stream ends (no open request holds the close up).
    await c2.close();
    await until('every stream ended', () => [lead, alice, anon, lateLead, lateAlice, resumed, fresh].every((x) => x.ended));
  });
});
