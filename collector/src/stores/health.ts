/** What readiness asks of the database itself. */
import type postgres from 'postgres';

/**
 * Whether the server refuses writes: a primary being demoted (switchover) or a standby answers reads
 * but refuses every write. Throws when the database cannot be reached.
 */
export async function databaseReadOnly(sql: postgres.ISql): Promise<boolean> {
  const [row] = await sql<Array<{ ro: boolean }>>`select current_setting('transaction_read_only') = 'on' as ro`;
  return row?.ro === true;
}
