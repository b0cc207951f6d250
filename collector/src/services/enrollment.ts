/**
 * Enrollment: an admin issues a single-use, expiring token for an operator; a node trades it (once)
 * for its own credential. Shared by the API (routes/enroll.ts) and the collector CLI.
 */
import { randomBytes } from 'node:crypto';
import type { Inventory } from '@timmy/shared';
import type { Database } from '../db/database.ts';
import { digestEquals, hashSecret, type CredentialStore } from '../auth/credentials.ts';
import { claimToken, findToken, insertToken, linkTokenNode } from '../stores/enrollment.ts';
import { insertNode } from '../stores/nodes.ts';
import { ensureOperator } from '../stores/operators.ts';
import { Errors } from '../errors.ts';

const TOKEN_RE = /^tfe_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
export const DEFAULT_ENROLL_TTL_HOURS = 24;

export async function createEnrollmentToken(
  database: Pick<Database, 'sql'>,
  input: { operator: string; region?: string; ttlHours?: number; createdBy?: string },
  now: number,
) {
  const operatorId = await ensureOperator(database.sql, input.operator);
  const publicId = randomBytes(9)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = now + (input.ttlHours ?? DEFAULT_ENROLL_TTL_HOURS) * 3_600_000;
  await insertToken(database.sql, {
    publicId,
    secretHash: hashSecret(secret),
    operatorId,
    region: input.region ?? null,
    createdAt: now,
    createdBy: input.createdBy ?? null,
    expiresAt,
  });
  return { token: `tfe_${publicId}_${secret}`, operator: input.operator, expiresAt };
}

/** A node name from the host name: the allowed characters, and a suffix when the name is taken. */
export function nodeNameFrom(hostname: string): string {
  const n = hostname
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .replace(/^[-.]+/, '')
    .slice(0, 100);
  return n || 'node';
}

export async function enroll(
  database: Pick<Database, 'sql'>,
  credentials: CredentialStore,
  input: { token: string; hostname: string; inventory?: Inventory },
  now: number,
) {
  const m = TOKEN_RE.exec(input.token);
  const refused = () => new Errors.Unauthorized();
  if (!m) throw refused();
  const row = await findToken(database.sql, m[1]!);
  const presented = hashSecret(m[2]!); // hashed even for unknown ids: no timing hint
  if (!row || !digestEquals(presented, row.secretHash) || row.usedAt !== null || row.expiresAt <= now) throw refused();
  const base = nodeNameFrom(input.hostname);
  const node = await database.sql.begin(async (tx) => {
    // Single use: whoever flips used_at first wins; a concurrent second use finds no row.
    if (!(await claimToken(tx, row.id, now))) throw refused();
    for (let i = 0; i < 50; i++) {
      const name = i === 0 ? base : `${base}-${i === 1 ? randomBytes(3).toString('hex') : randomBytes(4).toString('hex')}`;
      const id = await insertNode(tx, {
        name,
        operatorId: row.operatorId,
        region: row.region,
        createdAt: now,
        ...(input.inventory ? { inventory: input.inventory } : {}),
      });
      if (id !== null) {
        await linkTokenNode(tx, row.id, id);
        return { id, name };
      }
    }
    throw new Errors.Conflict('could not find a free node name');
  });
  const cred = await credentials.issue(node.id, now);
  return { nodeId: node.id, name: node.name, credential: cred.token, expiresAt: cred.expiresAt };
}
/** `timmy-collector enroll-token <operator> [--region R]`: prints a fresh token once. */
export async function enrollTokenCli(
  database: Pick<Database, 'sql'>,
  operator: string | undefined,
  region: string | undefined,
  createdBy: string,
): Promise<number> {
  if (!operator) {
    console.error('timmy-collector: usage: enroll-token <operator> [--region R]');
    return 2;
  }
  const t = await createEnrollmentToken(database, { operator, ...(region ? { region } : {}), createdBy }, Date.now());
  console.log(
    `enrollment token for operator "${t.operator}" (single use, expires ${new Date(t.expiresAt).toISOString()}):\n${t.token}\n\non the node: curl -fsSL <collector>/install.sh | sudo bash -s -- --token ${t.token}`,
  );
  return 0;
}
