/**
 * Region coverage as a P3 alert, through the real alert cycle and database: operators' lifecycle moves
 * (the program service) change a region's active operators; the cycle reads them and opens or resolves
 * one incident per region.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';
import { loadConfig } from '../config.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 12, 9, 0, 0);

describe('region coverage at risk', () => {
  const clock = new ManualClock(T0);
  let c: Awaited<ReturnType<typeof testCollector>>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase('region_coverage', { migrated: true });
    drop = db.drop;
    c = await testCollector(db.url, clock, { alerts: loadConfig({}).alerts });
    await c.services.observation.open();
    // Two certified operators in each region (the operators table's default lifecycle state).
    for (const [name, region] of [
      ['eu-a', 'eu'],
      ['eu-b', 'eu'],
      ['us-a', 'us'],
      ['us-b', 'us'],
    ] as const)
      await c.database
        .sql`insert into operators (name, region, lifecycle_since) values (${name}, ${region}, ${new Date(T0 - 90 * 24 * 60 * MIN)})`;
  });
  afterAll(async () => {
    await c?.close();
    await drop?.();
  });

  const cycle = async (at: number) => {
    clock.now = at;
    await c.services.observation.beat();
    const r = await c.services.alerts.runCycle(at);
    expect(r.ran).toBe(true);
  };
  const regionIncidents = async () => (await c.services.alerts.list({ limit: 100 })).filter((i) => i.regions.length > 0);
  const move = (operator: string, type: 'suspend' | 'reinstate', at: number) =>
    c.services.program.operators.move(operator, { type }, { by: 'lead@fleet', reason: `${type} for the test`, at });

  it('a region down to one active operator opens a P3 incident for it; back to two resolves it', async () => {
    await cycle(T0);
    expect(await regionIncidents()).toEqual([]);

    await move('eu-b', 'suspend', T0 + MIN);
    await cycle(T0 + 2 * MIN);
    const open = await regionIncidents();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ key: 'region:eu:P3', severity: 'P3', status: 'open', regions: ['eu'], nodeIds: [] });
    expect(open[0]!.summary).toContain('1/2');

    // The next cycle changes nothing: one incident, still open.
    await cycle(T0 + 3 * MIN);
    expect((await regionIncidents()).map((i) => i.status)).toEqual(['open']);

    await move('eu-b', 'reinstate', T0 + 4 * MIN);
    await cycle(T0 + 5 * MIN);
    const after = await regionIncidents();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ key: 'region:eu:P3', status: 'resolved', resolvedBy: 'auto' });
  });
});
