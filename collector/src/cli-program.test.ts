/** The people and token commands of the collector CLI against a real database, then the issued token used on the API. */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createTestDatabase } from '../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../test/support/harness.ts';
import { runCli } from './cli.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
const clock = new ManualClock(Date.now());

beforeAll(async () => {
  db = await createTestDatabase('cli_program');
  c = await testCollector(db.url, clock, { anonymousRead: false });
});
afterAll(async () => {
  await c?.close();
  await db?.drop();
});

it('person add, token issue (printed once), token list (never the token), token revoke; the token works on the API until revoked', async () => {
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const env = { DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
  try {
    expect(await runCli(['person', 'add', 'fin', '--role', 'finance'], env)).toBe(0);
    expect(await runCli(['person', 'add', 'x', '--role', 'emperor'], env)).toBe(1);
    expect(await runCli(['token', 'issue', 'fin', '--label', 'laptop', '--ttl-days', '30'], env)).toBe(0);
    const token = out.join('\n').match(/tfp_[0-9A-Za-z]{36}/)![0];
    const me = await c.app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.json()).toMatchObject({ role: 'finance', person: { name: 'fin' } });
    out.length = 0;
    expect(await runCli(['token', 'list', '--person', 'fin'], env)).toBe(0);
    expect(out.join('\n')).toContain(token.slice(0, 8));
    expect(out.join('\n')).not.toContain(token);
    const id = out[0]!.trim().split(/\s+/)[0]!;
    expect(await runCli(['token', 'revoke', id], env)).toBe(0);
    clock.now = Date.now(); // the CLI revoked on the wall clock
    expect((await c.app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
  } finally {
    log.mockRestore();
  }
});
