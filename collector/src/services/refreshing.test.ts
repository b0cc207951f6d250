/** Refreshing: computed once per ttl, the stale value answered while the next is computed, a new key waits. */
import { describe, expect, it } from 'vitest';
import { Refreshing } from './refreshing.ts';

describe('Refreshing', () => {
  it('computes once per ttl, answers the stale value while refreshing, waits for a new key', async () => {
    let calls = 0;
    let release: () => void = () => {};
    const r = new Refreshing(30, async (now) => {
      calls++;
      if (calls === 2) await new Promise<void>((res) => (release = res));
      return `v${calls}@${now}`;
    });
    const [a, b] = await Promise.all([r.get(0), r.get(1)]);
    expect([a.v, b.v, calls]).toEqual(['v1@0', 'v1@0', 1]);
    expect((await r.get(29)).v).toBe('v1@0');
    // Stale: the old value now, the new one computed behind it (once).
    expect((await r.get(31)).v).toBe('v1@0');
    expect((await r.get(32)).v).toBe('v1@0');
    expect(calls).toBe(2);
    release();
    await new Promise((res) => setTimeout(res, 0));
    expect(await r.get(33)).toMatchObject({ at: 31, v: 'v2@31' });
    // Another key never gets the old value.
    expect((await r.get(34, 'tomorrow')).v).toBe('v3@34');
  });

  it('a failed computation is not kept; the next read tries again', async () => {
    let fail = true;
    const r = new Refreshing(10, async () => {
      if (fail) throw new Error('db away');
      return 'ok';
    });
    await expect(r.get(0)).rejects.toThrow('db away');
    fail = false;
    expect((await r.get(1)).v).toBe('ok');
  });
});
