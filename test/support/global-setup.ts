/**
 * One real PostgreSQL server for the whole test run: DATABASE_URL when set, otherwise an
 * embedded server in a throw-away directory. Each test file makes its own database from it
 * (see ./pg.ts), so files run in parallel without sharing rows.
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

export default async function setup(project: TestProject) {
  const external = process.env.DATABASE_URL;
  if (external) {
    project.provide('pgAdminUrl', external);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'timmy-test-pg-'));
  chmodSync(dir, 0o711);
  const server = await startEmbeddedPostgres({ dir, database: 'postgres' });
  project.provide('pgAdminUrl', server.url);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
