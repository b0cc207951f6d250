/** Node administration shared by the admin API and the collector CLI. */
import type { Database } from '../db/database.ts';
import { Errors } from '../errors.ts';
import type { CredentialStore } from '../auth/credentials.ts';
import { insertNode, resolveNode } from '../stores/nodes.ts';
import { ensureOperator } from '../stores/operators.ts';

export async function registerNode(
  database: Pick<Database, 'sql'>,
  credentials: CredentialStore,
  input: { name: string; operator?: string; region?: string },
  now: number,
) {
  const operatorId = input.operator ? await ensureOperator(database.sql, input.operator) : null;
  const nodeId = await insertNode(database.sql, { name: input.name, operatorId, region: input.region ?? null, createdAt: now });
  if (nodeId === null) throw new Errors.Conflict(`a node named "${input.name}" exists already`);
  const cred = await credentials.issue(nodeId, now);
  return { nodeId, name: input.name, token: cred.token, expiresAt: cred.expiresAt };
}

export async function revokeNode(database: Pick<Database, 'sql'>, credentials: CredentialStore, ref: string, now: number): Promise<number> {
  return credentials.revokeAll((await resolveNode(database.sql, ref)).id, now);
}
