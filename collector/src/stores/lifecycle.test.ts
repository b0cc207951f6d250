/** The lifecycle store on a real database: statuses read checked, moves stored with their record, region coverage's input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedTestDatabase } from '../../../test/support/pg.ts';
import type { TransitionRecord } from '../program/index.ts';
import { sampleApplication } from '../program/testkit.ts';
import { insertApplication } from './applications.ts';
import { applicantHistories, operatorLifecycle, operatorStatesOver, operatorsInRegions, storeMove, transitionsOf } from './lifecycle.ts';
import { ensureOperator } from './operators.ts';

const T0 = Date.UTC(2027, 3, 1);
const DAY = 86_400_000;
let db: Awaited<ReturnType<typeof migratedTestDatabase>>;

beforeAll(async () => {
  db = await migratedTestDatabase('stores_lifecycle');
});
afterAll(async () => {
  await db?.drop();
});

describe('operator lifecycle', () => {
  it('reads an operator by name or id with its status; an unknown one is FLEET_NOT_FOUND', async () => {
    const id = await ensureOperator(db.sql, 'acme');
    await db.sql`update operators set lifecycle_since = ${new Date(T0)} where id = ${id}`;
    const acme = await operatorLifecycle(db.sql, 'acme', false);
    expect(acme).toEqual({ id, name: 'acme', tier: 'certified', status: { state: 'certified', since: T0 } });
    expect(await operatorLifecycle(db.sql, String(id), true)).toEqual(acme);
    await expect(operatorLifecycle(db.sql, 'nobody', false)).rejects.toMatchObject({ code: 'FLEET_NOT_FOUND' });
  });

  it('stores a move (status, tier, plain status) and its record; reads the history back', async () => {
    const acme = await operatorLifecycle(db.sql, 'acme', false);
    const record: TransitionRecord = {
      from: 'certified',
      to: 'suspended',
      event: { type: 'suspend' },
      by: 'admin',
      at: T0 + DAY,
      reason: 'unreachable',
    };
    await storeMove(db.sql, acme.id, {
      status: { state: 'suspended', since: T0 + DAY, suspendedFrom: 'certified' },
      tier: 'certified',
      plainStatus: 'suspended',
      record,
      reasonCode: null,
    });
    expect((await operatorLifecycle(db.sql, 'acme', false)).status).toEqual({
      state: 'suspended',
      since: T0 + DAY,
      suspendedFrom: 'certified',
    });
    expect(await transitionsOf(db.sql, acme.id)).toEqual([record]);
    const [row] = await db.sql<{ status: string }[]>`select status from operators where id = ${acme.id}`;
    expect(row!.status).toBe('suspended');
  });

  it('refuses a hand-edited status it cannot read', async () => {
    await ensureOperator(db.sql, 'odd');
    await db.sql`update operators set lifecycle_state = 'on_holiday' where name = 'odd'`;
    await expect(operatorLifecycle(db.sql, 'odd', false)).rejects.toThrow('operator odd: stored lifecycle status is not valid');
  });

  it("region coverage's input: operators with a region and a known state", async () => {
    await db.sql`update operators set region = 'eu' where name in ('acme', 'odd')`;
    const acme = await operatorLifecycle(db.sql, 'acme', false);
    expect(await operatorsInRegions(db.sql)).toEqual([{ operatorId: String(acme.id), state: 'suspended', region: 'eu' }]);
  });

  it('the histories of the operators who applied (empty for one who never moved), and states over a period', async () => {
    await db.sql.begin((tx) => insertApplication(tx, { application: sampleApplication(), notes: [], partnerId: null, at: T0 }));
    expect(await applicantHistories(db.sql)).toEqual([[]]);
    const over = await operatorStatesOver(db.sql, T0 + DAY / 2, T0 + 2 * DAY, 'exited');
    expect(over.find((o) => o.name === 'acme')).toEqual({
      name: 'acme',
      tier: 'certified',
      state: 'suspended',
      stateAtStart: 'certified',
      leftAt: null,
    });
  });
});
