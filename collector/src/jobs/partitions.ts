/**
 * The raw samples table's partitions (migration 0012): one per UTC day of `ts` (the sampling time the
 * agent sent, the same in every resend of a sample: see db/schema/samples.ts), named samples_pYYYYMMDD,
 * plus `samples_default` for any time without its day's partition. Run by the retention job.
 *
 * - Ahead: the days from the oldest still kept (now less the raw window) to today + `aheadDays` exist.
 *   A sample for a day without a partition (a node whose clock is days off, or the job not having run)
 *   lands in the default partition: nothing is ever refused or lost for want of a partition. Creating a
 *   day's partition moves the default partition's rows of that day into it first (PostgreSQL refuses to
 *   attach a range the default partition holds rows of), in one transaction.
 * - Behind: a day whose end is older than the raw window (`cutoff`) is detached and dropped whole. A row
 *   in it that arrived after the cutoff (its node's clock was behind by more than the window) is moved to
 *   the default partition first, so nothing that arrived within the window is dropped. The default
 *   partition is emptied row by row of what both arrived and was sampled before the cutoff.
 *
 * So a raw sample is kept while it arrived or was sampled within the window, and at most one day longer
 * (a day goes when all of it is older than the window): at 48 h, samples live 48 to 72 hours.
 *
 * Locks: creating a partition (CREATE TABLE ... LIKE, then ATTACH) locks the parent with SHARE UPDATE
 * EXCLUSIVE, which inserts do not wait for, and the default partition with ACCESS EXCLUSIVE (it is
 * checked for rows of the day). Detaching and dropping take an ACCESS EXCLUSIVE lock on the parent for a
 * moment. Every lock is asked for with a short lock_timeout, so a long reader (a rollup's aggregation)
 * cannot make ingest or settle queue behind a waiting request for longer; a day that could not be locked
 * is left to the next run (`busy`): the days ahead are created days before they are needed.
 */
import type postgres from 'postgres';

export const DAY_MS = 86_400_000;
export const DEFAULT_PARTITION = 'samples_default';
/** How long a partition change may wait for a lock (queries queue behind a waiting ACCESS EXCLUSIVE request). */
const LOCK_TIMEOUT = '200ms';

export const dayOf = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
export const partitionName = (day: number) => `samples_p${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;

/** The day (UTC midnight, ms) a partition name stands for; null for any other name. */
export function partitionDay(name: string): number | null {
  const m = /^samples_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
}

/** What to create and drop: days (UTC midnights, ms), oldest first. Pure. */
export function planPartitions(existing: readonly number[], now: number, opts: { rawMs: number; aheadDays: number }) {
  const cutoff = now - opts.rawMs;
  const have = new Set(existing);
  const create: number[] = [];
  for (let d = dayOf(cutoff); d <= dayOf(now) + opts.aheadDays * DAY_MS; d += DAY_MS) if (!have.has(d)) create.push(d);
  const drop = [...existing].filter((d) => d + DAY_MS <= cutoff).sort((a, b) => a - b);
  return { create, drop, cutoff };
}

/** The days the samples table has a partition for. */
export async function samplePartitionDays(sql: postgres.Sql): Promise<number[]> {
  const rows = await sql<{ relname: string }[]>`
    select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'samples'::regclass`;
  return rows.map((r) => partitionDay(r.relname)).filter((d): d is number => d !== null);
}

const bound = (ms: number) => new Date(ms).toISOString();

/** Runs `fn` in a transaction whose locks wait at most LOCK_TIMEOUT; false when one was not granted (nothing changed). */
async function withShortLocks(sql: postgres.Sql, fn: (tx: postgres.TransactionSql) => Promise<unknown>): Promise<boolean> {
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
      await fn(tx);
    });
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === '55P03') return false; // lock_not_available
    throw e;
  }
}

/**
 * Creates the partition of `day`, with the default partition's rows of that day moved into it. Returns
 * false when a lock was not granted in time (a long reader of the default partition): nothing changed.
 */
export async function createSamplePartition(sql: postgres.Sql, day: number): Promise<boolean> {
  const name = partitionName(day);
  return withShortLocks(sql, async (tx) => {
    await tx.unsafe(`create table if not exists ${name} (like samples including defaults including constraints)`);
    await tx.unsafe(
      `with moved as (delete from ${DEFAULT_PARTITION} where ts >= $1 and ts < $2 returning *) insert into ${name} select * from moved`,
      [bound(day), bound(day + DAY_MS)],
    );
    await tx.unsafe(`alter table samples attach partition ${name} for values from ('${bound(day)}') to ('${bound(day + DAY_MS)}')`);
  });
}

/**
 * Detaches and drops the partition of `day`, after moving the rows in it that arrived at or after
 * `cutoff` to the default partition. Returns false when the lock was not granted in time (nothing changed).
 */
export async function dropSamplePartition(sql: postgres.Sql, day: number, cutoff: number): Promise<boolean> {
  const name = partitionName(day);
  return withShortLocks(sql, async (tx) => {
    // Through the BRIN index on received_at: a day's partition is never read whole (a whole-table scan
    // of a day at 20,000 nodes would hold the lock below for minutes).
    await tx`set local enable_seqscan = off`;
    const [late] = await tx.unsafe(`select exists (select 1 from ${name} where received_at >= $1) as any`, [bound(cutoff)]);
    await tx.unsafe(`alter table samples detach partition ${name}`);
    // The day has no partition now: these rows are routed to the default partition.
    if (late?.any)
      await tx.unsafe(`insert into samples select * from ${name} where received_at >= $1 on conflict do nothing`, [bound(cutoff)]);
    await tx.unsafe(`drop table ${name}`);
  });
}

/** Creates the partitions ahead and drops those behind; returns what it did. Call under the retention lock. */
export async function maintainSamplePartitions(
  sql: postgres.Sql,
  now: number,
  opts: { rawMs: number; aheadDays?: number },
): Promise<{ created: number[]; dropped: number[]; busy: number[] }> {
  const plan = planPartitions(await samplePartitionDays(sql), now, { rawMs: opts.rawMs, aheadDays: opts.aheadDays ?? 2 });
  const created: number[] = [];
  const dropped: number[] = [];
  const busy: number[] = [];
  for (const d of plan.create) ((await createSamplePartition(sql, d)) ? created : busy).push(d);
  for (const d of plan.drop) ((await dropSamplePartition(sql, d, plan.cutoff)) ? dropped : busy).push(d);
  return { created, dropped, busy };
}
