/** The enrollment-token store on a real database: issue, find, claim once, link the node. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedTestDatabase } from '../../../test/support/pg.ts';
import { claimToken, findToken, insertToken, linkTokenNode } from './enrollment.ts';
import { insertNode } from './nodes.ts';
import { ensureOperator } from './operators.ts';

let db: Awaited<ReturnType<typeof migratedTestDatabase>>;
const T0 = Date.UTC(2026, 10, 1, 12);
let op: number;

beforeAll(async () => {
  db = await migratedTestDatabase('stores_enrollment');
  op = await ensureOperator(db.sql, 'acme');
  const base = { secretHash: 'h', operatorId: op, createdAt: T0, createdBy: 'cli:test' };
  await insertToken(db.sql, { ...base, publicId: 'pub000000001', region: 'eu', expiresAt: T0 + 60_000 });
  await insertToken(db.sql, { ...base, publicId: 'pub000000002', region: null, expiresAt: T0 + 1_000 });
});
afterAll(async () => {
  await db?.drop();
});

describe('enrollment store', () => {
  it('findToken gives the token as domain values, undefined for an unknown public id', async () => {
    expect(await findToken(db.sql, 'pub000000001')).toEqual({
      id: expect.any(Number),
      secretHash: 'h',
      operatorId: op,
      region: 'eu',
      expiresAt: T0 + 60_000,
      usedAt: null,
    });
    expect(await findToken(db.sql, 'nope')).toBeUndefined();
  });

  it('claimToken: once, and never after expiry', async () => {
    const t = (await findToken(db.sql, 'pub000000001'))!;
    expect(await claimToken(db.sql, t.id, T0 + 10)).toBe(true);
    expect(await claimToken(db.sql, t.id, T0 + 20)).toBe(false);
    expect((await findToken(db.sql, 'pub000000001'))!.usedAt).toBe(T0 + 10);
    const expired = (await findToken(db.sql, 'pub000000002'))!;
    expect(await claimToken(db.sql, expired.id, T0 + 1_000)).toBe(false);
  });

  it('linkTokenNode records the node enrolled', async () => {
    const t = (await findToken(db.sql, 'pub000000001'))!;
    const node = (await insertNode(db.sql, { name: 'n1', operatorId: op, region: 'eu', createdAt: T0, inventory: { hostname: 'n1' } }))!;
    await linkTokenNode(db.sql, t.id, node);
    const [row] =
      await db.sql`select t.node_id::text as node, n.inventory from enrollment_tokens t join nodes n on n.id = t.node_id where t.id = ${t.id}`;
    expect(row).toEqual({ node: String(node), inventory: { hostname: 'n1' } });
  });
});
