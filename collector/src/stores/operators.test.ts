/** The operators store on a real database: one way to find an operator by id or name, lists, upserts. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedTestDatabase } from '../../../test/support/pg.ts';
import { insertNode } from './nodes.ts';
import { ensureOperator, listOperators, resolveOperator, upsertOperator } from './operators.ts';

let db: Awaited<ReturnType<typeof migratedTestDatabase>>;
let acme: number;

beforeAll(async () => {
  db = await migratedTestDatabase('stores_operators');
  acme = await ensureOperator(db.sql, 'acme');
  await insertNode(db.sql, { name: 'a1', operatorId: acme, region: 'eu', createdAt: Date.UTC(2026, 10, 1) });
  await insertNode(db.sql, { name: 'a2', operatorId: acme, region: 'eu', createdAt: Date.UTC(2026, 10, 1) });
  await db.sql`update nodes set decommissioned_at = now() where name = 'a2'`;
});
afterAll(async () => {
  await db?.drop();
});

describe('resolveOperator', () => {
  it('finds an operator by name and by numeric id, with its defaults', async () => {
    const byName = await resolveOperator(db.sql, 'acme');
    expect(byName).toEqual({ id: acme, name: 'acme', tier: 'certified', region: null, status: 'active' });
    expect(await resolveOperator(db.sql, String(acme))).toEqual(byName);
  });

  it('refuses an unknown name or id with FLEET_NOT_FOUND, and an id beyond 2^53 with FLEET_BAD_REQUEST', async () => {
    await expect(resolveOperator(db.sql, 'nobody')).rejects.toMatchObject({ code: 'FLEET_NOT_FOUND', message: 'no operator "nobody"' });
    await expect(resolveOperator(db.sql, '424242')).rejects.toMatchObject({ code: 'FLEET_NOT_FOUND' });
    await expect(resolveOperator(db.sql, '99999999999999999999')).rejects.toMatchObject({ code: 'FLEET_BAD_REQUEST' });
  });
});

describe('ensureOperator and upsertOperator', () => {
  it('ensureOperator gives the same id for a name that exists', async () => {
    expect(await ensureOperator(db.sql, 'acme')).toBe(acme);
  });

  it('upsertOperator creates, then changes only the fields given', async () => {
    await upsertOperator(db.sql, 'zeta', { tier: 'senior', region: 'us' });
    await upsertOperator(db.sql, 'zeta', { region: null });
    expect(await resolveOperator(db.sql, 'zeta')).toMatchObject({ tier: 'senior', region: null });
    await upsertOperator(db.sql, 'zeta', { tier: 'fleet_lead' });
    expect(await resolveOperator(db.sql, 'zeta')).toMatchObject({ tier: 'fleet_lead', region: null });
  });

  it('listOperators: by name, counting nodes in service only; or the one named', async () => {
    const all = await listOperators(db.sql);
    expect(all.map((o) => [o.name, o.nodeCount])).toEqual([
      ['acme', 1],
      ['zeta', 0],
    ]);
    expect((await listOperators(db.sql, 'zeta')).map((o) => o.name)).toEqual(['zeta']);
    expect((await listOperators(db.sql, 'acme')).map((o) => [o.name, o.nodeCount])).toEqual([['acme', 1]]);
    expect(await listOperators(db.sql, 'nobody')).toEqual([]);
  });
});
