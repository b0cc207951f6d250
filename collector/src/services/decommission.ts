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
import { incidentsOnlyOn } from '../alerts/incident-store.ts';
import type { Database } from '../db/database.ts';
import { CREDENTIALS_CHANNEL } from '../auth/credentials.ts';
import { Errors } from '../errors.ts';
import { decommission, findNode, resolveNode } from '../stores/nodes.ts';

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
  database: Pick<Database, 'sql'>,
  resolveIncident: ResolveIncident,
  ref: string | number,
  input: { at: number; reason?: string; by: string },
  now: number,
): Promise<DecommissionResult> {
  const sql = database.sql;
  const node = typeof ref === 'number' ? await findNode(sql, { id: ref }) : await resolveNode(sql, ref);
  if (!node) throw new Errors.NotFound(`no node "${ref}"`);
  const { id: nodeId, name } = node;
  if (node.decommissionedAt !== null) {
    return { nodeId, name, decommissionedAt: node.decommissionedAt, reason: node.decommissionReason, changed: false, resolvedIncidents: 0 };
  }
  if (input.at < node.createdAt)
    throw new Errors.BadRequest(`at: before the node was registered (${new Date(node.createdAt).toISOString()})`);
  const changed = await decommission(sql, nodeId, input.at, input.reason ?? null);
  // Every collector drops its cached credential rows for the node: its next report is refused at once.
  await sql.notify(CREDENTIALS_CHANNEL, String(nodeId));
  if (!changed) return decommissionNode(database, resolveIncident, nodeId, input, now); // decommissioned meanwhile
  // Unresolved incidents whose only remaining node is this one (incident_nodes keys nodes by name).
  const alone = await incidentsOnlyOn(sql, name);
  const resolution = `node ${name} decommissioned as of ${new Date(input.at).toISOString()}${input.reason ? `: ${input.reason}` : ''}`;
  for (const id of alone) await resolveIncident(id, { by: input.by, cause: DECOMMISSIONED_CAUSE, resolution }, now);
  return { nodeId, name, decommissionedAt: input.at, reason: input.reason ?? null, changed: true, resolvedIncidents: alone.length };
}
