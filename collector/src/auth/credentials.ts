/**
 * Node credentials. Token format: `tfn_<publicId>_<secret>`. The public id finds the row; the secret
 * (32 random bytes) is stored as its SHA-256 and compared in constant time. A high-entropy secret needs
 * no slow hash. The token is shown once, at issue, and never logged.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BatchLoader } from '../services/batch-loader.ts';
import type postgres from 'postgres';
import type { nodeCredentials } from '../db/schema/index.ts';

const TOKEN_RE = /^tfn_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

export function newToken(): { token: string; publicId: string; secretHash: string } {
  const publicId = randomBytes(9)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  return { token: `tfn_${publicId}_${secret}`, publicId, secretHash: hashSecret(secret) };
}

export function parseToken(token: string): { publicId: string; secret: string } | null {
  const m = TOKEN_RE.exec(token);
  return m ? { publicId: m[1]!, secret: m[2]! } : null;
}

/** Constant-time comparison of two hex digests. */
export function digestEquals(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface AuthenticatedNode {
  nodeId: number;
  credentialId: number;
  expiresAt: number;
  /** Set when this credential has been superseded by a newer one. */
  validUntil: number | null;
  /** When the node was retired (its reports are refused from then on), null while in service. */
  decommissionedAt: number | null;
}

export interface CredentialPolicy {
  ttlMs: number;
  rotateBeforeMs: number;
  overlapMs: number;
}

const DAY = 86_400_000;

/** The policy from the collector's config (one place: the API and the CLI issue the same credentials). */
export function credentialPolicy(c: { ttlDays: number; rotateBeforeDays: number; overlapHours: number }): CredentialPolicy {
  return { ttlMs: c.ttlDays * DAY, rotateBeforeMs: c.rotateBeforeDays * DAY, overlapMs: c.overlapHours * 3_600_000 };
}

/** A credential row as postgres.js reads it (int8 as an exact string), with its node's retirement time. */
type CredentialRow = Omit<typeof nodeCredentials.$inferSelect, 'id' | 'nodeId'> & {
  id: string;
  nodeId: string;
  nodeDecommissionedAt: Date | null;
};
/** A credential as the cache keeps it. */
type Credential = Omit<CredentialRow, 'id' | 'nodeId'> & { id: number; nodeId: number };

const SELECT_CREDENTIALS = (sql: postgres.Sql) => sql`
  select c.id, c.node_id as "nodeId", c.public_id as "publicId", c.secret_hash as "secretHash", c.created_at as "createdAt",
    c.expires_at as "expiresAt", c.valid_until as "validUntil", c.revoked_at as "revokedAt", c.last_used_at as "lastUsedAt",
    n.decommissioned_at as "nodeDecommissionedAt"
  from node_credentials c join nodes n on n.id = c.node_id`;
const credential = (r: CredentialRow): Credential => ({ ...r, id: Number(r.id), nodeId: Number(r.nodeId) });

/** Cached rows at most: beyond it the cache is cleared rather than grown (a flood of ids, or a fleet larger than this). */
const CACHE_MAX = 200_000;

/**
 * Credential rows are cached by public id for up to `cacheTtlMs` (default 5 min) so ingest at thousands
 * of reports per second costs no lookup per request. Everything that changes a credential through this store
 * (revocation, rotation, reissue) drops the cached rows at once, so in one collector a revocation is
 * effective at the node's next request. Changes made by another process (another collector, the CLI)
 * arrive by NOTIFY (`listenForChanges`) and evict the rows too, and a reconnect of the listening session
 * forgets everything; the TTL only bounds what a change made behind the collectors' back (by hand in SQL)
 * could cost. A row read while its node's rows were evicted is used for that request but not cached: it
 * may have been read before the change it was evicted for. Each row's TTL is drawn between half and all of
 * `cacheTtlMs`: rows loaded together (every node at a collector start) do not all expire together, which
 * at 20,000 nodes was a burst of 4,000 lookups a second for a few seconds every TTL. Expiry and
 * `valid_until` are checked against the cached row on every request. The secret is still hashed and
 * compared on every request.
 */
export class CredentialStore {
  readonly sql: postgres.Sql;
  readonly policy: CredentialPolicy;
  readonly cacheTtlMs: number;
  private cache = new Map<string, { row: Credential; until: number }>();
  /** Counts evictions (see `invalidate`): a row whose read overlapped an eviction of its node is not cached. */
  private evictions = 0;
  /** The count at the last eviction of everything, and at each node's last eviction since. */
  private clearedAt = 0;
  private evictedAt = new Map<number, number>();
  /** Cache misses arriving together are one query. */
  private readonly loader: BatchLoader<string, Credential>;
  /**
   * First uses are recorded in batches (one update per tick), off the request's path: the request does
   * not wait for the write. Rotation, the one reader, waits for the writes in flight (`recorded`).
   */
  private firstUses = new Map<number, Credential>();
  private firstUseFlush: Promise<void> | null = null;
  private recording = new Set<Promise<void>>();
  /** The request path's own connections (Database.ingest): lookups and first uses run there. */
  private readonly hot: postgres.Sql;

  constructor(sql: postgres.Sql, hot: postgres.Sql, policy: CredentialPolicy, opts: { cacheTtlMs?: number } = {}) {
    this.sql = sql;
    this.hot = hot;
    this.policy = policy;
    this.cacheTtlMs = opts.cacheTtlMs ?? 300_000;
    this.loader = new BatchLoader(async (ids) => {
      const rows = await this.hot<CredentialRow[]>`${SELECT_CREDENTIALS(this.hot)} where c.public_id = any(${ids}::text[])`;
      return new Map(rows.map((r) => [r.publicId, credential(r)]));
    });
  }

  private recordFirstUse(row: Credential, at: Date): void {
    row.lastUsedAt = at;
    this.firstUses.set(row.id, row);
    if (this.firstUseFlush) return;
    const flush = new Promise<void>((r) => setImmediate(r)).then(async () => {
      const batch = [...this.firstUses.values()];
      this.firstUses = new Map();
      this.firstUseFlush = null;
      // One statement for the batch: the earliest time in it stands for all (they are one tick apart).
      const at0 = new Date(Math.min(...batch.map((r) => r.lastUsedAt?.getTime() ?? at.getTime())));
      try {
        await this
          .hot`update node_credentials set last_used_at = ${at0} where id = any(${batch.map((r) => r.id)}::int8[]) and last_used_at is null`;
      } catch {
        // Not recorded (the database away): the rows' next use records it again.
        for (const r of batch) r.lastUsedAt = null;
      }
    });
    this.firstUseFlush = flush;
    this.recording.add(flush);
    void flush.finally(() => this.recording.delete(flush));
  }

  /** Waits until the first uses recorded so far are written. */
  private async recorded(): Promise<void> {
    await Promise.all(this.recording);
  }

  /** Forgets cached credential rows (all, or one node's). */
  invalidate(nodeId?: number): void {
    this.evictions++;
    if (nodeId === undefined) {
      this.cache.clear();
      this.clearedAt = this.evictions;
      this.evictedAt.clear();
      return;
    }
    this.evictedAt.set(nodeId, this.evictions);
    for (const [k, v] of this.cache) if (v.row.nodeId === nodeId) this.cache.delete(k);
  }

  /** Caches a row read when the eviction count was `readAt`, unless its node was evicted since (the row may predate the change). */
  private remember(row: Credential, readAt: number, mono: number): boolean {
    if (this.clearedAt > readAt || (this.evictedAt.get(row.nodeId) ?? 0) > readAt) return false;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(row.publicId, { row, until: mono + this.cacheTtlMs * (0.5 + Math.random() / 2) });
    return true;
  }

  private async lookup(publicId: string): Promise<Credential | null> {
    const mono = performance.now();
    const hit = this.cache.get(publicId);
    if (hit && hit.until > mono) return hit.row;
    const readAt = this.evictions;
    const row = await this.loader.load(publicId);
    // Unknown ids are not cached (a flood of random ids must not grow the map).
    if (row) this.remember(row, readAt, mono);
    return row ?? null;
  }

  /**
   * Caches every credential still in force (not revoked, not expired) in one query, so that the first
   * report of every node after a start or a reconnect (every agent comes back within one interval) finds
   * its row without a lookup of its own. Rows of nodes evicted during the read are left out. Loads at
   * most half of the cache's size, so that lookups of the rest do not clear it. Returns how many rows
   * were cached.
   */
  async preload(): Promise<number> {
    const readAt = this.evictions;
    const rows = await this.hot<CredentialRow[]>`
      ${SELECT_CREDENTIALS(this.hot)} where c.revoked_at is null and c.expires_at > now() limit ${CACHE_MAX / 2}`;
    const mono = performance.now();
    let cached = 0;
    for (const r of rows) if (this.remember(credential(r), readAt, mono)) cached++;
    return cached;
  }

  async issue(nodeId: number, now: number): Promise<{ token: string; expiresAt: number; credentialId: number }> {
    const t = newToken();
    const expiresAt = now + this.policy.ttlMs;
    const [row] = await this.sql<Array<{ id: string }>>`
      insert into node_credentials (node_id, public_id, secret_hash, created_at, expires_at)
      values (${nodeId}, ${t.publicId}, ${t.secretHash}, ${new Date(now)}, ${new Date(expiresAt)}) returning id`;
    return { token: t.token, expiresAt, credentialId: Number(row!.id) };
  }

  /** Returns the node the token belongs to, or null (unknown, wrong secret, expired, revoked, past its overlap). */
  async authenticate(token: string | undefined, now: number): Promise<AuthenticatedNode | null> {
    if (!token) return null;
    const parsed = parseToken(token);
    if (!parsed) return null;
    const row = await this.lookup(parsed.publicId);
    // Hash even when no row matched, so timing does not reveal which public ids exist.
    const presented = hashSecret(parsed.secret);
    if (!row || !digestEquals(presented, row.secretHash)) return null;
    if (row.revokedAt && row.revokedAt.getTime() <= now) return null;
    if (row.expiresAt.getTime() <= now) return null;
    if (row.validUntil && row.validUntil.getTime() <= now) return null;
    // Record first use once (not every request): rotation needs to know whether a successor was ever picked up.
    if (!row.lastUsedAt) this.recordFirstUse(row, new Date(now));
    return {
      nodeId: row.nodeId,
      credentialId: row.id,
      expiresAt: row.expiresAt.getTime(),
      validUntil: row.validUntil?.getTime() ?? null,
      decommissionedAt: row.nodeDecommissionedAt?.getTime() ?? null,
    };
  }

  /**
   * Rotation: when the presented credential is due (within rotateBefore of expiry) and not yet superseded,
   * issue a new one and let the old one live for the overlap. Returns the new token to hand to the agent.
   */
  async rotateIfDue(auth: AuthenticatedNode, now: number): Promise<{ token: string; expiresAt: number; oldValidUntil: number } | null> {
    if (auth.validUntil !== null) return this.reissueIfSuccessorUnused(auth, now);
    if (auth.expiresAt - now > this.policy.rotateBeforeMs) return null;
    const oldValidUntil = Math.min(auth.expiresAt, now + this.policy.overlapMs);
    const updated = await this.sql<Array<{ id: string }>>`
      update node_credentials set valid_until = ${new Date(oldValidUntil)} where id = ${auth.credentialId} and valid_until is null returning id`;
    await this.changed(auth.nodeId);
    if (updated.length === 0) return null; // another request rotated it first
    const issued = await this.issue(auth.nodeId, now);
    return { token: issued.token, expiresAt: issued.expiresAt, oldValidUntil };
  }

  /**
   * The agent presented a superseded credential: if it never used the successor (the reply carrying it was
   * lost, or the agent died before saving it), hand out a fresh one instead of locking the node out.
   */
  private async reissueIfSuccessorUnused(auth: AuthenticatedNode, now: number) {
    await this.recorded();
    const newer = await this.sql<Array<{ id: string; lastUsedAt: Date | null }>>`
      select id, last_used_at as "lastUsedAt" from node_credentials
      where node_id = ${auth.nodeId} and revoked_at is null and id > ${auth.credentialId}`;
    if (newer.some((r) => r.lastUsedAt !== null)) return null;
    if (newer.length)
      await this.sql`update node_credentials set revoked_at = ${new Date(now)} where id = any(${newer.map((r) => r.id)}::int8[])`;
    await this.changed(auth.nodeId);
    const issued = await this.issue(auth.nodeId, now);
    return { token: issued.token, expiresAt: issued.expiresAt, oldValidUntil: auth.validUntil! };
  }

  async revokeAll(nodeId: number, now: number): Promise<number> {
    const rows = await this.sql`
      update node_credentials set revoked_at = ${new Date(now)} where node_id = ${nodeId} and revoked_at is null returning id`;
    await this.changed(nodeId);
    return rows.length;
  }

  /**
   * A node's credentials changed: drop them from this cache and tell every other collector (and the
   * CLI's changes reach the daemons the same way) through PostgreSQL NOTIFY, so a revocation is
   * effective at the node's next request wherever it lands. See `listenForChanges`.
   */
  private async changed(nodeId: number): Promise<void> {
    this.invalidate(nodeId);
    await this.sql`select pg_notify(${CREDENTIALS_CHANNEL}, ${String(nodeId)})`;
  }
}

export const CREDENTIALS_CHANNEL = 'timmy_credentials';

/**
 * Evicts cached rows when any process changes a node's credentials; on (re)connect, forgets everything
 * (notifications may have been missed) and loads the credentials in force again (`preload`). Resolves
 * once listening and the first load is done: a collector starts answering with a warm cache. A failed
 * load costs only speed (each node's first report then looks its row up).
 */
export async function listenForChanges(
  sqlClient: {
    listen: (channel: string, fn: (payload: string) => void, onlisten?: () => void) => Promise<{ unlisten: () => Promise<void> }>;
  },
  store: CredentialStore,
) {
  let loaded: Promise<unknown> = Promise.resolve();
  const listening = await sqlClient.listen(
    CREDENTIALS_CHANNEL,
    (payload) => {
      const id = Number(payload);
      if (Number.isInteger(id)) store.invalidate(id);
    },
    () => {
      store.invalidate();
      loaded = store.preload().catch(() => 0);
    },
  );
  await loaded;
  return listening;
}
