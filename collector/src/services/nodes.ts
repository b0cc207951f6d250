/** Node administration shared by the admin API and the collector CLI. */
import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { nodes, operators } from '../db/schema/index.ts';
import { Errors } from '../errors.ts';
import type { CredentialStore } from '../auth/credentials.ts';
import { parseRef } from '../refs.ts';

/** The `where` condition for a node named by id or by name (see parseRef). */
export function nodeWhere(ref: string) {
  const r = parseRef(ref, 'node');
  return r.id !== undefined ? eq(nodes.id, r.id) : eq(nodes.name, r.name);
}

export async function ensureOperator(database: Database, name: string): Promise<number> {
  const [row] = await database.db
    .insert(operators)
    .values({ name })
    .onConflictDoUpdate({ target: operators.name, set: { name } })
    .returning({ id: operators.id });
  return row!.id;
}

export async function registerNode(
  database: Database,
  credentials: CredentialStore,
  input: { name: string; operator?: string; region?: string },
  now: number,
) {
  const operatorId = input.operator ? await ensureOperator(database, input.operator) : null;
  const inserted = await database.db
    .insert(nodes)
    .values({ name: input.name, operatorId, region: input.region ?? null, createdAt: new Date(now) })
    .onConflictDoNothing()
    .returning({ id: nodes.id });
  if (inserted.length === 0) throw new Errors.Conflict(`a node named "${input.name}" exists already`);
  const nodeId = inserted[0]!.id;
  const cred = await credentials.issue(nodeId, now);
  return { nodeId, name: input.name, token: cred.token, expiresAt: cred.expiresAt };
}

export async function findNodeId(database: Database, ref: string): Promise<number> {
  const [row] = await database.db.select({ id: nodes.id }).from(nodes).where(nodeWhere(ref)).limit(1);
  if (!row) throw new Errors.NotFound(`no node "${ref}"`);
  return row.id;
}

export async function revokeNode(database: Database, credentials: CredentialStore, ref: string, now: number): Promise<number> {
  return credentials.revokeAll(await findNodeId(database, ref), now);
}
