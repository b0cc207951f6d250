/**
 * Scheduled reports, delivered once per period: two schedulers (two collectors, each with its own pool,
 * service and outbox worker) against one real database fire for the same period at the same time.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';
import { Outbox } from '../alerts/outbox.ts';
import { PayService } from '../pay-service/service.ts';
import { readmeExample } from '../pay-service/testkit.ts';
import { ReportScheduler } from './report-schedule.ts';
import { ReportService } from './reports.ts';

// Monday 30 November 2026, 00:05 UTC: the weekly schedule reports on 2026-W48.
const clock = new ManualClock(Date.UTC(2026, 10, 30, 0, 5));
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
const pools: postgres.Sql[] = [];

beforeAll(async () => {
  db = await createTestDatabase('report_schedule', { migrated: true });
  c = await testCollector(db.url, clock);
  const seed = postgres(db.url, { max: 1, onnotice: () => {} });
  pools.push(seed);
  await readmeExample(seed);
});
afterAll(async () => {
  for (const p of pools) await p.end();
  await c?.close();
  await db?.drop();
});

function collector(worker: string) {
  const sql = postgres(db.url, { max: 3, onnotice: () => {} });
  pools.push(sql);
  const reports = new ReportService(sql, new PayService(sql, c.config.pay, clock.fn), clock.fn);
  const settings = { cron: {}, channels: ['ops', 'chat'], format: 'md' as const };
  return new ReportScheduler(sql, reports, new Outbox(sql, { workerId: worker }), settings, clock.fn);
}

const delivered = (id: string) =>
  pools[0]!<{ channel: string; detail: string }[]>`
    select channel, payload->>'detail' as detail from alert_notifications where incident_id = ${id} order by channel`;

it('two collectors firing for the same week enqueue one delivery per channel; a restart enqueues nothing; the next week is delivered', async () => {
  const [a, b] = [collector('collector-a'), collector('collector-b')];
  const fired = await Promise.all([a.fire('weekly-fleet', clock.now), b.fire('weekly-fleet', clock.now)]);
  expect(fired.filter(Boolean)).toHaveLength(1);
  const rows = await delivered('report:weekly-fleet:2026-W48');
  expect(rows.map((r) => r.channel)).toEqual(['chat', 'ops']);
  expect(rows[0]!.detail).toContain('# Weekly fleet report\n\nPeriod: 2026-W48');
  expect(await pools[0]!`select kind, period from report_runs`).toEqual([{ kind: 'weekly-fleet', period: '2026-W48' }]);

  // A restart (a new scheduler) later the same week finds the period delivered.
  clock.now += 3_600_000;
  expect(await collector('collector-a-restarted').fire('weekly-fleet', clock.now)).toBe(false);
  expect(await delivered('report:weekly-fleet:2026-W48')).toHaveLength(2);

  clock.now = Date.UTC(2026, 11, 7, 0, 5);
  expect(await b.fire('weekly-fleet', clock.now)).toBe(true);
  expect(await delivered('report:weekly-fleet:2026-W49')).toHaveLength(2);
});

it('the monthly report on the 1st reports on the month just finished, once', async () => {
  clock.now = Date.UTC(2027, 4, 1, 0, 10);
  const [a, b] = [collector('collector-a'), collector('collector-b')];
  const fired = await Promise.all([a.fire('monthly-program', clock.now), b.fire('monthly-program', clock.now)]);
  expect(fired.filter(Boolean)).toHaveLength(1);
  const rows = await delivered('report:monthly-program:2027-04');
  expect(rows).toHaveLength(2);
  expect(rows[0]!.detail).toContain('| n3 | alice | certified | — | 99.65 | 2.5 | 0 |');
});

it('a schedule with a bad cron expression is refused as a configuration error, naming it', async () => {
  const s = new ReportScheduler(
    pools[0]!,
    c.services.reports,
    new Outbox(pools[0]!, { workerId: 'x' }),
    {
      cron: { 'weekly-fleet': c.config.reports.weeklyCron, 'monthly-program': 'every monday' },
      channels: ['ops'],
      format: 'md',
    },
    clock.fn,
  );
  await expect(s.start(() => {})).rejects.toMatchObject({
    code: 'FLEET_CONFIG_INVALID',
    problems: ['reports: "every monday" (monthly-program) is not a cron expression'],
  });
  expect(c.config.reports).toEqual({ weeklyCron: '5 0 * * 1', monthlyCron: '10 0 1 * *', channels: [], format: 'md' });
});
