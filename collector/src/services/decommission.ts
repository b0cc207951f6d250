/**
 * Retiring a node (decommission), shared by the admin API, the node's own endpoint and the CLI.
 *
 * From its decommission time on, a node
 * - keeps its history (samples, intervals, incidents: nothing is deleted);
 * - raises no alert: the alert cycle no longer sees it, and the open incidents that concern it alone
 *   are resolved now with cause "decommissioned" (incidents shared with other nodes go on for them);
 * - is left out of the figures (node, operator, region, fleet, /metrics) for any time after it;
 * - has its reports refused with FLEET_NODE_DECOMMISSIONED (410), whichever collector gets them.
 * A second decommission changes nothing and says so.
 */
import { sql } from 'drizzle-orm';
import { LOCKS, type Database } from '../db/database.ts';
import { CREDENTIALS_CHANNEL } from '../auth/credentials.ts';
import { Errors } from '../errors.ts';
import { findNodeId } from './nodes.ts';

export const DECOMMISSIONED_CAUSE = 'decommissioned';

export interface DecommissionResult {
  nodeId: number;
  name: string;
  decommissionedAt: number;
  reason: string | null;
  /** False when the node was decommissioned already (nothing changed). */
  changed: boolean;
  /** Incidents resolved because they concerned this node alone. */
  resolvedIncidents: number;
}

/** Resolves an incident by hand (the alert service's resolve: history event plus resolved notification). */
export type ResolveIncident = (id: string, notes: { by: string; cause: string; resolution: string }, now: number) => Promise<unknown>;

/** `--at` / `at`: an ISO date-time not in the future (default: now). */
export function parseDecommissionAt(at: string | undefined, now: number): number {
  if (at === undefined) return now;
  const t = Date.parse(at);
  if (!Number.isFinite(t)) throw new Errors.BadRequest(`at: "${at}" is not a date-time (e.g. 2026-11-30T12:00:00Z)`);
  if (t > now) throw new Errors.BadRequest('at: a node is decommissioned as of now or an earlier time, not a future one');
  return t;
}

export async function decommissionNode(
  database: Database,
  resolveIncident: ResolveIncident,
  ref: string | number,
  input: { at: number; reason?: string; by: string },
  now: number,
): Promise<DecommissionResult> {
  const nodeId = typeof ref === 'number' ? ref : await findNodeId(database, ref);
  const [row] = await database.sql`
    select name, decommissioned_at, decommission_reason, created_at from nodes where id = ${nodeId}`;
  if (!row) throw new Errors.NotFound(`no node "${ref}"`);
  const name = row.name as string;
  if (row.decommissioned_at) {
    return {
      nodeId,
      name,
      decommissionedAt: (row.decommissioned_at as Date).getTime(),
      reason: (row.decommission_reason as string | null) ?? null,
      changed: false,
      resolvedIncidents: 0,
    };
  }
  if (input.at < (row.created_at as Date).getTime())
    throw new Errors.BadRequest(`at: before the node was registered (${(row.created_at as Date).toISOString()})`);
  const at = new Date(input.at);
  const updated = await database.sql.begin(async (tx) => {
    // After the settle job's current run (it takes this lock), so none of its writes lands after ours.
    await tx`select pg_advisory_xact_lock(${LOCKS.settle})`;
    // The settle job never picks the node again (nothing due, and its reports are refused from now on).
    const u = await tx`
      update nodes set decommissioned_at = ${at}, decommission_reason = ${input.reason ?? null}, state_check_at = null, recompute_from = null
       where id = ${nodeId} and decommissioned_at is null returning id`;
    if (u.length === 0) return u;
    // Its intervals end at the decommission time: every figure leaves it out after it (the samples stay).
    await tx`delete from state_intervals where node_id = ${nodeId} and start_at >= ${at}`;
    await tx`update state_intervals set end_at = ${at} where node_id = ${nodeId} and (end_at is null or end_at > ${at})`;
    return u;
  });
  // Every collector drops its cached credential rows for the node: its next report is refused at once.
  await database.db.execute(sql`select pg_notify(${CREDENTIALS_CHANNEL}, ${String(nodeId)})`);
  if (updated.length === 0) return decommissionNode(database, resolveIncident, nodeId, input, now); // decommissioned meanwhile
  // Unresolved incidents whose only remaining node is this one.
  const alone = await database.sql`
    select i.id from incidents i
     where i.status <> 'resolved'
       and exists (select 1 from incident_nodes x where x.incident_id = i.id and x.node_name = ${name} and x.removed_at is null)
       and not exists (select 1 from incident_nodes x where x.incident_id = i.id and x.node_name <> ${name} and x.removed_at is null)`;
  const resolution = `node ${name} decommissioned as of ${new Date(input.at).toISOString()}${input.reason ? `: ${input.reason}` : ''}`;
  for (const i of alone) await resolveIncident(i.id as string, { by: input.by, cause: DECOMMISSIONED_CAUSE, resolution }, now);
  return { nodeId, name, decommissionedAt: input.at, reason: input.reason ?? null, changed: true, resolvedIncidents: alone.length };
}
