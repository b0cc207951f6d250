/**
 * `node bench/ingest-waits.ts <bench work dir> [seconds]`: samples what PostgreSQL's active backends wait
 * for during a running `BENCH_KEEP=1 pnpm bench:ingest` (pg_stat_activity, every 100 ms), attached to the
 * bench's embedded server (never stopping it). Prints the share of samples per wait event and, for lock
 * waits, per statement. Lock waits are counts, not times: comparable between runs under the same load.
 */
import { join } from 'node:path';
import { attachEmbeddedPostgres, livePostmaster } from '../collector/src/db/embedded.ts';
import { openDatabase } from '../collector/src/db/database.ts';

const dir = process.argv[2];
const seconds = Number(process.argv[3] ?? 60);
if (!dir) throw new Error('usage: node bench/ingest-waits.ts <bench work dir> [seconds]');
while (!livePostmaster(join(dir, 'db'))) await new Promise((r) => setTimeout(r, 200));
const pg = await attachEmbeddedPostgres({ dir: join(dir, 'db'), database: 'bench_ingest' });
const database = openDatabase(pg.url, { max: 1 });
const sql = database.sql;
const counts = new Map<string, number>();
let samples = 0;
const until = performance.now() + seconds * 1000;
try {
  while (performance.now() < until && livePostmaster(join(dir, 'db'))) {
    // Before the bench has created its database (and after it is gone), a query fails: wait and retry.
    const rows = await sql<{ w: string; q: string }[]>`
      select coalesce(wait_event_type || ':' || wait_event, 'CPU') as w, left(regexp_replace(query, '\\s+', ' ', 'g'), 60) as q
      from pg_stat_activity where state = 'active' and pid <> pg_backend_pid() and backend_type = 'client backend'`.catch(() => null);
    if (!rows) {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    samples++;
    for (const r of rows) {
      const key = r.w.startsWith('Lock') ? `${r.w} | ${r.q}` : r.w;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
} catch (e) {
  console.log(`stopped: ${(e as Error).message}`);
} finally {
  console.log(`${samples} samples of pg_stat_activity`);
  console.table(
    [...counts].sort((a, b) => b[1] - a[1]).map(([what, n]) => ({ what, per_sample: Math.round((n / samples) * 1000) / 1000, n })),
  );
  await database.close().catch(() => {});
}
