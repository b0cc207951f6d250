/**
 * Enrollment: an admin issues a single-use, expiring token for an operator; a node trades it (once)
 * for its own credential. Shared by the API (routes/enroll.ts) and the collector CLI.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { enrollmentTokens, nodes } from '../db/schema/index.ts';
import { digestEquals, hashSecret, type CredentialStore } from '../auth/credentials.ts';
import { ensureOperator } from './nodes.ts';
import { Errors } from '../errors.ts';

const TOKEN_RE = /^tfe_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
export const DEFAULT_ENROLL_TTL_HOURS = 24;

export async function createEnrollmentToken(
  database: Database,
  input: { operator: string; region?: string; ttlHours?: number; createdBy?: string },
  now: number,
) {
  const operatorId = await ensureOperator(database, input.operator);
  const publicId = randomBytes(9)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = now + (input.ttlHours ?? DEFAULT_ENROLL_TTL_HOURS) * 3_600_000;
  await database.db.insert(enrollmentTokens).values({
    publicId,
    secretHash: hashSecret(secret),
    operatorId,
    region: input.region ?? null,
    createdAt: new Date(now),
    createdBy: input.createdBy ?? null,
    expiresAt: new Date(expiresAt),
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
  database: Database,
  credentials: CredentialStore,
  input: { token: string; hostname: string; inventory?: unknown },
  now: number,
) {
  const m = TOKEN_RE.exec(input.token);
  const refused = () => new Errors.Unauthorized();
  if (!m) throw refused();
  const [row] = await database.db.select().from(enrollmentTokens).where(eq(enrollmentTokens.publicId, m[1]!)).limit(1);
  const presented = hashSecret(m[2]!); // hashed even for unknown ids: no timing hint
  if (!row || !digestEquals(presented, row.secretHash) || row.usedAt || row.expiresAt.getTime() <= now) throw refused();
  const base = nodeNameFrom(input.hostname);
  const nodeId = await database.db.transaction(async (tx) => {
    // Single use: whoever flips used_at first wins; a concurrent second use finds no row.
    const claimed = await tx
      .update(enrollmentTokens)
      .set({ usedAt: new Date(now) })
      .where(and(eq(enrollmentTokens.id, row.id), isNull(enrollmentTokens.usedAt), gt(enrollmentTokens.expiresAt, new Date(now))))
      .returning({ id: enrollmentTokens.id });
    if (!claimed.length) throw refused();
    for (let i = 0; i < 50; i++) {
      const name = i === 0 ? base : `${base}-${i === 1 ? randomBytes(3).toString('hex') : randomBytes(4).toString('hex')}`;
      const inserted = await tx
        .insert(nodes)
        .values({ name, operatorId: row.operatorId, region: row.region, createdAt: new Date(now), inventory: input.inventory ?? null })
        .onConflictDoNothing()
        .returning({ id: nodes.id });
      if (inserted.length) {
        await tx.update(enrollmentTokens).set({ nodeId: inserted[0]!.id }).where(eq(enrollmentTokens.id, row.id));
        return { id: inserted[0]!.id, name };
      }
    }
    throw new Errors.Conflict('could not find a free node name');
  });
  const cred = await credentials.issue(nodeId.id, now);
  return { nodeId: nodeId.id, name: nodeId.name, credential: cred.token, expiresAt: cred.expiresAt };
}

/** `timmy-collector enroll-token <operator> [--region R]`: prints a fresh token once. */
export async function enrollTokenCli(
  database: Database,
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
