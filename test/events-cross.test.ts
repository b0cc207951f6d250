/**
 * Live events end to end: two collector processes on one PostgreSQL, a real agent process reporting to
 * the first, an event stream open on the second. The agent is killed: its node's DOWN (missed heartbeats)
 * reaches the stream as soon as the settle job decides it (grace 3 s, settle every 2 s), whichever
 * collector runs the job. Every wait is for a condition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/pg.ts';
import { ADMIN, registerNode, startAgentProcess, startCollectorProcess, stop, type Proc } from './support/processes.ts';
import { openStream, until } from './support/sse.ts';

const env = { TIMMY_HEARTBEAT_INTERVAL_S: '1', TIMMY_RESTART_GRACE_S: '2' };
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let a: Proc & { url: string };
let b: Proc & { url: string };
let agent: (Proc & { dir: string }) | undefined;

beforeAll(async () => {
  db = await createTestDatabase('events_cross', { migrated: true });
  [a, b] = await Promise.all([startCollectorProcess(db.url, env), startCollectorProcess(db.url, env)]);
}, 180_000);

afterAll(async () => {
  if (agent) await stop(agent, 'SIGKILL');
  for (const p of [a, b]) if (p) await stop(p, 'SIGKILL');
  await db?.drop();
});

describe('GET /v1/events across processes', () => {
  it('an agent stops: its node turns DOWN on a stream open on the other collector', async () => {
    const credential = await registerNode(a.url, 'live-1');
    const stream = openStream(b.url, ADMIN);
    await until('hello', () => stream.events.find((e) => e.event === 'hello'), 60_000);
    agent = startAgentProcess(a.url, credential, { intervalS: 1 });
    const up = await until('live-1 UP', () => stream.events.find((e) => e.event === 'state' && e.data.to === 'UP'), 90_000);
    expect(up.data).toMatchObject({ node: 'live-1', from: null, cause: 'heartbeat' });

    const killedAt = Date.now();
    await stop(agent, 'SIGKILL');
    agent = undefined;
    const down = await until('live-1 DOWN', () => stream.events.find((e) => e.event === 'state' && e.data.to === 'DOWN'), 60_000);
    expect(down.data).toMatchObject({ node: 'live-1', from: 'UP', cause: 'missed_heartbeats' });
    // The grace (3 heartbeats of 1 s) runs out, the next settle run (every 2 s) decides: the event follows at once.
    console.log(`DOWN on the stream ${down.at - killedAt} ms after the agent was killed (grace 3 s + settle interval 2 s)`);
    expect(down.at - killedAt).toBeLessThan(3_000 + 2_000 + 4_000);
    stream.abort.abort();
    await until('the stream closed', () => stream.ended);
  }, 240_000);
});
