import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import { digestEquals, hashSecret, newToken, parseToken } from './credentials.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

describe('tokens', () => {
  it('are well-formed, parse back, and are stored only as a hash', () => {
    const t = newToken();
    const p = parseToken(t.token)!;
    expect(p.publicId).toBe(t.publicId);
    expect(t.secretHash).toBe(hashSecret(p.secret));
    expect(t.secretHash).not.toContain(p.secret);
    expect(digestEquals(t.secretHash, hashSecret(p.secret))).toBe(true);
    expect(digestEquals(t.secretHash, hashSecret(p.secret + 'x'))).toBe(false);
    expect(parseToken('tfn_short_x')).toBeNull();
  });
});

describe('rotation, overlap and expiry (real database, injected clock)', () => {
  const clock = new ManualClock(T0);
  let c: Awaited<ReturnType<typeof testCollector>>;
  let drop: () => Promise<void>;
  let seq = 1;
  const push = (token: string) =>
    c.app.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: { authorization: `Bearer ${token}` },
      payload: reportAt([clock.now], { seqStart: seq++, sentAt: clock.now }),
    });

  beforeAll(async () => {
    const db = await createTestDatabase('creds', { migrated: true });
    drop = db.drop;
    c = await testCollector(db.url, clock);
    await c.services.observation.open();
  });
  afterAll(async () => {
    await c.close();
    await drop();
  });

  it('hands out a new credential before expiry; the old one works for the overlap, then stops', async () => {
    const { token: old } = await c.register('rot-node');
    // Far from expiry: no rotation.
    let res = await push(old);
    expect(res.statusCode).toBe(200);
    expect(res.json().credential).toBeUndefined();
    // 80 days on: inside the 14-day rotation window.
    clock.advance(80 * DAY);
    res = await push(old);
    expect(res.statusCode).toBe(200);
    const rotated = res.json().credential;
    expect(rotated.token).toMatch(/^tfn_/);
    expect(rotated.token).not.toBe(old);
    expect(rotated.expiresAt).toBe(clock.now + 90 * DAY);
    expect(rotated.oldValidUntil).toBe(clock.now + DAY);
    // Both work during the overlap; samples sent with either are stored.
    expect((await push(rotated.token)).statusCode).toBe(200);
    expect((await push(old)).statusCode).toBe(200);
    clock.advance(DAY + 1);
    expect((await push(old)).statusCode).toBe(401);
    expect((await push(rotated.token)).statusCode).toBe(200);
    const stored = await c.database
      .sql`select count(*)::int as n from samples s join nodes n on n.id = s.node_id where n.name = 'rot-node'`;
    expect(stored[0]!.n).toBe(5);
  });

  it('re-issues when the agent never picked up its successor (the reply was lost)', async () => {
    const { token: old } = await c.register('lost-reply-node');
    clock.advance(80 * DAY);
    const first = (await push(old)).json().credential;
    expect(first).toBeDefined();
    // The agent never used `first`; it comes back with the old one inside the overlap.
    const second = (await push(old)).json().credential;
    expect(second).toBeDefined();
    expect(second.token).not.toBe(first.token);
    expect((await push(first.token)).statusCode).toBe(401);
    expect((await push(second.token)).statusCode).toBe(200);
    // Once the successor has been used, the old one gets no further credential.
    expect((await push(old)).json().credential).toBeUndefined();
  });

  it('a successor counts as picked up from its first request on (its first use is written after the reply)', async () => {
    const { token: old } = await c.register('first-use-node');
    clock.advance(80 * DAY);
    const successor = (await push(old)).json().credential;
    const store = c.services.credentials;
    const oldAuth = await store.authenticate(old, clock.now);
    expect(oldAuth?.validUntil).not.toBeNull();
    expect(await store.authenticate(successor.token, clock.now)).not.toBeNull();
    // At once, the successor's first use possibly not written yet: the old credential gets no further one.
    expect(await store.rotateIfDue(oldAuth!, clock.now)).toBeNull();
  });

  it('an expired credential is refused', async () => {
    const { token } = await c.register('expired-node');
    clock.advance(91 * DAY);
    const res = await push(token);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('FLEET_UNAUTHORIZED');
  });
});

describe('revocation across collectors (credential cache + NOTIFY)', () => {
  it('a revocation made through another collector stops the cached credential within moments, not the cache TTL', async () => {
    const db = await createTestDatabase('revoke_x', { migrated: true });
    const clock = new ManualClock(Date.now());
    const a = await testCollector(db.url, clock);
    const b = await testCollector(db.url, clock);
    try {
      await a.services.observation.open();
      const { token } = await a.register('x-node');
      let seq = 1;
      const pushA = () =>
        a.app.inject({
          method: 'POST',
          url: '/v1/reports',
          headers: { authorization: `Bearer ${token}` },
          payload: reportAt([clock.now], { seqStart: seq++, sentAt: clock.now }),
        });
      expect((await pushA()).statusCode).toBe(200); // now cached in collector A (TTL up to 5 min)
      const rev = await b.app.inject({
        method: 'POST',
        url: '/v1/admin/nodes/x-node/revoke',
        headers: { authorization: 'Bearer admin-token-for-tests-0123456789' },
      });
      expect(rev.json()).toEqual({ revoked: 1 });
      const started = performance.now();
      let status = 0;
      while (performance.now() - started < 5_000) {
        status = (await pushA()).statusCode;
        if (status === 401) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe(401);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });
});

describe('credential cache: warm start and evictions racing a read', () => {
  const clock = new ManualClock(Date.now());
  let c: Awaited<ReturnType<typeof testCollector>>;
  let drop: () => Promise<void>;
  const revokeBehindTheCollectorsBack = (nodeId: number) =>
    c.database.sql`update node_credentials set revoked_at = ${new Date(clock.now)} where node_id = ${nodeId}`;

  beforeAll(async () => {
    const db = await createTestDatabase('creds_cache', { migrated: true });
    drop = db.drop;
    c = await testCollector(db.url, clock);
  });
  afterAll(async () => {
    await c.close();
    await drop();
  });

  it('a row read while an eviction happens is used once but not cached: it may predate the change', async () => {
    const store = c.services.credentials;
    const { token, nodeId } = await c.register('race-node');
    store.invalidate();
    const reading = store.authenticate(token, clock.now);
    // A change notification arrives while the row is being read (the read started before the change committed).
    store.invalidate(nodeId);
    expect((await reading)?.nodeId).toBe(nodeId);
    await revokeBehindTheCollectorsBack(nodeId);
    // Not served from the cache: read again, and refused.
    expect(await store.authenticate(token, clock.now)).toBeNull();
  });

  it('preload caches every credential in force, and none that is revoked', async () => {
    const store = c.services.credentials;
    const live = await c.register('preload-live');
    const revoked = await c.register('preload-revoked');
    await revokeBehindTheCollectorsBack(revoked.nodeId);
    store.invalidate();
    const inForce = await c.database.sql`select count(*)::int as n from node_credentials where revoked_at is null and expires_at > now()`;
    expect(await store.preload()).toBe(inForce[0]!.n);
    // Served from the cache: a change made behind the collectors' back is not seen before the cache TTL.
    await revokeBehindTheCollectorsBack(live.nodeId);
    expect((await store.authenticate(live.token, clock.now))?.nodeId).toBe(live.nodeId);
    expect(await store.authenticate(revoked.token, clock.now)).toBeNull();
  });

  it('a preload overlapping the eviction of a node caches the others, not that one', async () => {
    const store = c.services.credentials;
    const { token, nodeId } = await c.register('preload-race');
    store.invalidate();
    const inForce = await c.database.sql`select count(*)::int as n from node_credentials where revoked_at is null and expires_at > now()`;
    const loading = store.preload();
    store.invalidate(nodeId);
    expect(await loading).toBe(inForce[0]!.n - 1);
    await revokeBehindTheCollectorsBack(nodeId);
    expect(await store.authenticate(token, clock.now)).toBeNull();
  });

  it('a collector starts with the credentials in force already cached', async () => {
    const { token, nodeId } = await c.register('warm-start');
    const other = await testCollector(c.config.databaseUrl!, clock);
    try {
      await revokeBehindTheCollectorsBack(nodeId);
      // Loaded at start, before the change made behind the collectors' back (seen only after the cache TTL).
      expect((await other.services.credentials.authenticate(token, clock.now))?.nodeId).toBe(nodeId);
    } finally {
      await other.close();
    }
  });
});
