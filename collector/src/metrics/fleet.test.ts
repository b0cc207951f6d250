/**
 * The fleet gauges as GET /metrics writes them, on a real PostgreSQL: every family once, label values
 * escaped, the figures the database holds, and the 30-day totals they read identical to summing each
 * (node, state)'s `extract(epoch …)` numerics (the reference query below), microsecond fractions included.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';
import { fleetTotals } from '../services/uptime.ts';

const H = 3_600_000;
const D = 24 * H;
const havePromtool = spawnSync('sh', ['-c', 'command -v promtool']).status === 0;
const FAMILIES = [
  'timmy_node_up',
  'timmy_node_last_report_age_seconds',
  'timmy_node_clock_skew_seconds',
  'timmy_node_uptime_ratio',
  'timmy_node_check_status',
  'timmy_operator_uptime_ratio',
  'timmy_fleet_uptime_ratio',
  'timmy_region_uptime_ratio',
  'timmy_operator_sla_target_ratio',
  'timmy_fleet_sla_target_ratio',
  'timmy_fleet_nodes',
];

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
const clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 0));
const ids: Record<string, number> = {};

beforeAll(async () => {
  db = await createTestDatabase('fleet_gauges', { migrated: true });
  c = await testCollector(db.url, clock);
  const sql = c.database.sql;
  const now = clock.now;
  ids.plain = (await c.register('plain', { operator: 'alice', region: 'eu' })).nodeId;
  ids.tricky = (await c.register('we"ird\\node\nname', { operator: 'o"p\\', region: 're\ngion' })).nodeId;
  ids.idle = (await c.register('idle')).nodeId;
  // Boundaries with microsecond fractions (JS dates cannot carry them: passed as text), one interval crossing the window start.
  const iv = (node: number, state: string, s: string, e: string | null) =>
    sql`insert into state_intervals (node_id, state, start_at, end_at, cause, evidence) values (${node}, ${state}, ${s}::text::timestamptz, ${e}::text::timestamptz, 'heartbeats', '{}'::jsonb)`;
  await iv(ids.plain, 'UP', '2026-10-01T00:00:00.000001Z', '2026-11-10T03:04:05.123457Z');
  await iv(ids.plain, 'DOWN', '2026-11-10T03:04:05.123457Z', '2026-11-10T04:00:00.999999Z');
  await iv(ids.plain, 'MAINTENANCE', '2026-11-10T04:00:00.999999Z', '2026-11-10T05:00:00.000003Z');
  await iv(ids.plain, 'UP', '2026-11-10T05:00:00.000003Z', null);
  await iv(ids.tricky, 'UNKNOWN', '2026-11-01T00:00:00.333333Z', '2026-11-01T00:03:00.666667Z');
  await iv(ids.tricky, 'UP', '2026-11-01T00:03:00.666667Z', '2026-11-20T00:00:00.000001Z');
  await iv(ids.tricky, 'DOWN', '2026-11-20T00:00:00.000001Z', null);
  await sql`update nodes set current_state = 'UP', last_hb_at = ${new Date(now - 2500)}, clock_skew_ms = -250 where id = ${ids.plain}`;
  await sql`update nodes set current_state = 'DOWN', last_hb_at = ${new Date(now - D)} where id = ${ids.tricky}`;
  await sql`insert into node_check_status (node_id, name, probe, status, message, sla_critical, since, updated_at)
    values (${ids.plain}, 'gateway', 'systemd', 'ok', 'active', true, ${new Date(now)}, ${new Date(now)}),
           (${ids.tricky}, 'disk:"/"', 'disk', 'critical', 'full', false, ${new Date(now)}, ${new Date(now)})`;
});
afterAll(async () => {
  await c?.close();
  await db?.drop();
});

/** What fleetTotals summed before it counted whole microseconds: numeric seconds per (node, state). */
async function reference(from: number, to: number, now: number) {
  const sql = c.database.sql;
  const end = new Date(Math.max(from, Math.min(to, now)));
  const rows = await sql`
    select node_id::int8 as node_id, state, sum(extract(epoch from (least(coalesce(end_at, ${end}), ${end}) - greatest(start_at, ${new Date(from)})))) * 1000 as ms
    from state_intervals where start_at < ${end} and (end_at is null or end_at > ${new Date(from)}) group by node_id, state`;
  const out = new Map<number, { upMs: number; downMs: number; unknownMs: number; maintenanceMs: number }>();
  for (const r of rows) {
    const t = out.get(Number(r.node_id)) ?? { upMs: 0, downMs: 0, unknownMs: 0, maintenanceMs: 0 };
    const v = Math.max(0, Number(r.ms));
    if (r.state === 'UP') t.upMs += v;
    else if (r.state === 'DOWN') t.downMs += v;
    else if (r.state === 'UNKNOWN') t.unknownMs += v;
    else t.maintenanceMs += v;
    out.set(Number(r.node_id), t);
  }
  return out;
}

describe('fleet gauges', () => {
  it('fleet totals are exactly the numeric sums, for any window', async () => {
    const now = clock.now;
    for (const [from, to] of [
      [now - 30 * D, now],
      [Date.UTC(2026, 10, 1), Date.UTC(2026, 11, 1)],
      [now - 400 * D + 7, now - 3 * D + 0.5],
      [now - D, now - D],
    ] as const) {
      const got = await fleetTotals(c.database.sql, from, to, now);
      expect(got).toEqual(await reference(from, to, now));
      expect(got.get(ids.plain!)?.maintenanceMs ?? 0).toBeGreaterThanOrEqual(0);
    }
    const t = (await fleetTotals(c.database.sql, now - 30 * D, now, now)).get(ids.plain!)!;
    expect(t.downMs).toBe(3355876.542);
    expect(t.maintenanceMs).toBe(3599000.004);
  });

  it("exposes every family once, with escaped label values and the database's figures", async () => {
    const r = await c.app.inject({ method: 'GET', url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = r.body;
    for (const f of FAMILIES) {
      expect(text.match(new RegExp(`^# HELP ${f} `, 'gm')), f).toHaveLength(1);
      expect(text.match(new RegExp(`^# TYPE ${f} gauge$`, 'gm')), f).toHaveLength(1);
    }
    const types = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
    expect(new Set(types).size).toBe(types.length);
    const totals = await fleetTotals(c.database.sql, clock.now - 30 * D, clock.now, clock.now);
    const p = totals.get(ids.plain!)!;
    const ratio = p.upMs / (p.upMs + p.downMs);
    const tricky = 'node="we\\"ird\\\\node\\nname"';
    const lines = text.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'timmy_node_up{node="plain",operator="alice",region="eu",state="UP"} 1',
        `timmy_node_up{${tricky},operator="o\\"p\\\\",region="re\\ngion",state="DOWN"} 0`,
        'timmy_node_up{node="idle",operator="",region="",state="UNKNOWN"} 0',
        'timmy_node_last_report_age_seconds{node="plain"} 2.5',
        `timmy_node_last_report_age_seconds{${tricky}} 86400`,
        'timmy_node_clock_skew_seconds{node="plain"} -0.25',
        'timmy_node_check_status{node="plain",check="gateway",probe="systemd"} 0',
        `timmy_node_check_status{${tricky},check="disk:\\"/\\"",probe="disk"} 2`,
        'timmy_fleet_nodes{state="UP"} 1',
        'timmy_fleet_nodes{state="UNKNOWN"} 1',
        'timmy_fleet_nodes{state="MAINTENANCE"} 0',
        'timmy_fleet_sla_target_ratio 0.995',
        'timmy_operator_sla_target_ratio{operator="alice",tier="certified"} 0.995',
        `timmy_node_uptime_ratio{node="plain",window="30d"} ${ratio}`,
        `timmy_operator_uptime_ratio{operator="alice",window="30d"} ${ratio}`,
        `timmy_region_uptime_ratio{region="eu",window="30d"} ${ratio}`,
      ]),
    );
    expect(lines.filter((l) => l.startsWith('timmy_node_uptime_ratio{'))).toHaveLength(2);
    expect(text).not.toMatch(/node="idle",window/);
    if (havePromtool) {
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.stdout + check.stderr).toBe('');
    }
  });

  it('overlapping scrapes give the same fleet figures', async () => {
    const [a, b] = await Promise.all([c.app.inject({ method: 'GET', url: '/metrics' }), c.app.inject({ method: 'GET', url: '/metrics' })]);
    const fleet = (s: string) =>
      s
        .split('\n')
        .filter((l) => /^(# (HELP|TYPE) )?timmy_(node|fleet|operator|region)_/.test(l))
        .join('\n');
    expect(fleet(a.body)).toBe(fleet(b.body));
  });
});
