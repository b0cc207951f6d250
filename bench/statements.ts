/**
 * `pnpm bench:statements [--nodes 10000] [--operators 1000]`
 *
 * Closing a month at fleet scale. A database holding 10,000 nodes of 1,000 operators (10 each) with
 * state intervals from October 1 to November 15, 2026 (seeded as bench:sla seeds them: 4 outages per
 * node, a fleet-wide UNKNOWN), one task import per operator for October, and the shipped policy.
 * The clock stands at 2026-11-15 12:00 UTC: October is over and settled, November open.
 *
 * Figures: close_s (`month close 2026-10` through the pay service: evidence for every operator, the
 * engine, 1,000 statements stored in one transaction), verify_s (recompute all of them from the stored
 * evidence and compare byte for byte), estimate_ms (one operator's live estimate of November: median
 * of repeated runs), statement_ms (one operator's closed statement as JSON through the API, median),
 * operators, nodes. Writes bench/out/statements.json.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../collector/src/config.ts';
import { startEmbeddedPostgres } from '../collector/src/db/embedded.ts';
import { assemble, createLogger } from '../collector/src/runtime.ts';
import { seedFleet } from './seed-fleet.ts';

const { values } = parseArgs({ options: { nodes: { type: 'string' }, operators: { type: 'string' } } });
const NODES = Number(values.nodes ?? 10_000);
const OPERATORS = Number(values.operators ?? 1_000);
const ROOT = resolve(import.meta.dirname, '..');
const from = Date.UTC(2026, 9, 1);
const now = Date.UTC(2026, 10, 15, 12);

const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const s = performance.now();
  const r = await fn();
  return [r, performance.now() - s];
};
const median = async (n: number, fn: (i: number) => Promise<unknown>) => {
  const t: number[] = [];
  for (let i = 0; i < n; i++) t.push((await timed(() => fn(i)))[1]);
  t.sort((a, b) => a - b);
  return Math.round(t[Math.floor(t.length / 2)]! * 10) / 10;
};

const work = mkdtempSync(join(tmpdir(), 'timmy-bench-statements-'));
chmodSync(work, 0o711);
console.log('starting embedded PostgreSQL…');
const pg = await startEmbeddedPostgres({ dir: join(work, 'db'), database: 'bench_statements' });
// Statements are private: the read goes through the access check as finance or admin would.
const ADMIN_TOKEN = 'bench-statements-admin-token-0123456789';
const config = { ...loadConfig({ LOG_LEVEL: 'silent', TIMMY_ADMIN_TOKEN: ADMIN_TOKEN }), databaseUrl: pg.url };
const c = await assemble(config, pg.url, () => now, createLogger('silent'));
const sql = c.database.sql;
const pay = c.services.pay;
try {
  console.log(`generating ${NODES} nodes of ${OPERATORS} operators, intervals from 2026-10-01 to 2026-11-15…`);
  const intervalRows = await seedFleet(sql, { nodes: NODES, operators: OPERATORS, from, now, operatorsSince: Date.UTC(2026, 0, 1) });
  await sql`
    insert into task_imports (source_id, operator_id, month, assigned, completed, imported_by, imported_at)
    select 'crm-2026-10-' || id, id, '2026-10', 40, 38 + id % 3, 'bench', ${new Date(from)} from operators`;
  await sql`vacuum analyze`;

  console.log('closing 2026-10…');
  const [closed, closeMs] = await timed(() => pay.close('2026-10', 'bench'));
  console.log(`  ${closed.statements} statements, total ${closed.totalCents}¢ in ${(closeMs / 1000).toFixed(2)} s`);
  console.log('verifying…');
  const [verified, verifyMs] = await timed(() => pay.verify('2026-10'));
  if (!verified.ok)
    throw new Error(
      `verification failed: ${JSON.stringify({ failed: verified.failed.slice(0, 3), changedSinceClose: verified.changedSinceClose?.slice(0, 3) })}`,
    );
  console.log('measuring the estimate and the statement read…');
  const pick = (i: number) => `op-${1 + ((i * 7919) % OPERATORS)}`;
  const estimateMs = await median(21, (i) => pay.estimate(pick(i), '2026-11'));
  const statementMs = await median(51, async (i) => {
    const r = await c.app.inject({
      method: 'GET',
      url: `/v1/operators/${pick(i)}/statements/2026-10`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    if (r.statusCode !== 200) throw new Error(`statement ${r.statusCode}: ${r.body}`);
  });
  const [size] = await sql<{ bytes: number }[]>`select pg_total_relation_size('statements')::float8 as bytes`;
  const figures = {
    close_s: Math.round(closeMs / 10) / 100,
    verify_s: Math.round(verifyMs / 10) / 100,
    estimate_ms: estimateMs,
    statement_ms: statementMs,
    operators: OPERATORS,
    nodes: NODES,
    setup: {
      interval_rows: intervalRows,
      statements: closed.statements,
      statements_bytes: size!.bytes,
      month: '2026-10',
      estimate_month: '2026-11 (open, half over)',
    },
    target: { close_s: 30, verify_s: 30, estimate_ms: 50, statement_ms: 50 },
    /** The machine's 1-minute load average when the run ended (2 cores): other work on it slows every figure. */
    load_average_1m: Math.round(loadavg()[0]! * 10) / 10,
    measuredAt: new Date().toISOString(),
  };
  console.log(JSON.stringify(figures, null, 2));
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/out/statements.json'), `${JSON.stringify(figures, null, 2)}\n`);
} finally {
  await c.app.close();
  await c.database.close();
  await pg.stop();
  rmSync(work, { recursive: true, force: true });
}
