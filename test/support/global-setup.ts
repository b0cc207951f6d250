/**
 * One real PostgreSQL server for the whole test run: DATABASE_URL when set, otherwise an
 * embedded server in a throw-away directory. Each test file makes its own database from it
 * (see ./pg.ts), so files run in parallel without sharing rows.
 *
 * Vitest runs this once per project that lists it (integration, cross-process), one project after
 * the other before any file starts: the projects share the one server (kept on globalThis, as each
 * project loads this module apart), so a run starts PostgreSQL once, and the last project's teardown
 * stops it.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../collector/src/db/embedded.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

interface Shared {
  url: Promise<string>;
  users: number;
  stop: () => Promise<void>;
}
const SHARED = Symbol.for('timmy-fleet:test-postgres');

function startServer(): Shared {
  const dir = mkdtempSync(join(tmpdir(), 'timmy-test-pg-'));
  chmodSync(dir, 0o711);
  // No fsync and no full-page images: a test run's server outlives no machine crash, and every file creates
  // and drops databases (a drop waits for a checkpoint's writes to reach the disk: 220 ms each with fsync,
  // 15 ms without). A crash of the server process itself loses nothing either way (commits still write
  // their WAL to the kernel before they return).
  const server = startEmbeddedPostgres({ dir, database: 'postgres', settings: { fsync: 'off', full_page_writes: 'off' } });
  return {
    url: server.then((s) => s.url),
    users: 0,
    stop: async () => {
      await (await server).stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export default async function setup(project: TestProject) {
  const external = process.env.DATABASE_URL;
  if (external) {
    project.provide('pgAdminUrl', external);
    return;
  }
  const g = globalThis as { [SHARED]?: Shared };
  const shared = (g[SHARED] ??= startServer());
  shared.users++;
  project.provide('pgAdminUrl', await shared.url);
  return async () => {
    if (--shared.users > 0) return;
    delete g[SHARED];
    await shared.stop();
  };
}
