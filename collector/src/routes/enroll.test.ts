import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, reportAt, testCollector } from '../../../test/support/harness.ts';
import { join_ } from '../../../agent/src/join.ts';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
const ADMIN = { authorization: 'Bearer admin-token-for-tests-0123456789' };
let c: Awaited<ReturnType<typeof testCollector>>;
let drop: () => Promise<void>;
const clock = new ManualClock(T0);

beforeAll(async () => {
  const db = await createTestDatabase('enroll', { migrated: true });
  drop = db.drop;
  c = await testCollector(db.url, clock, { publicUrl: 'https://fleet.example:8443' });
  await c.services.observation.open();
});
afterAll(async () => {
  await c.close();
  await drop();
});

const newToken = async (operator = 'op-alice', ttlHours?: number) => {
  const res = await c.app.inject({
    method: 'POST',
    url: '/v1/admin/enrollment-tokens',
    headers: ADMIN,
    payload: { operator, ...(ttlHours ? { ttlHours } : {}) },
  });
  expect(res.statusCode).toBe(201);
  return res.json() as { token: string; expiresAt: string };
};
const enroll = (token: string, hostname = 'vps-1') =>
  c.app.inject({ method: 'POST', url: '/v1/enroll', payload: { token, hostname, inventory: { hostname, cpuCores: 2 } } });

describe('enrollment', () => {
  it('only an admin creates enrollment tokens', async () => {
    const res = await c.app.inject({ method: 'POST', url: '/v1/admin/enrollment-tokens', payload: { operator: 'x' } });
    expect(res.statusCode).toBe(401);
  });

  it('a token buys one node credential, which then pushes reports as that node', async () => {
    const { token, expiresAt } = await newToken();
    expect(Date.parse(expiresAt)).toBe(T0 + 24 * 3_600_000);
    const res = await enroll(token, 'vps-alpha');
    expect(res.statusCode).toBe(201);
    const body = res.json() as { nodeId: string; credential: string; expiresAt: number };
    expect(body.expiresAt).toBe(T0 + 90 * 86_400_000);
    const [node] = await c.database
      .sql`select n.name, o.name as operator, n.inventory from nodes n join operators o on o.id = n.operator_id where n.id = ${Number(body.nodeId)}`;
    expect(node).toMatchObject({ name: 'vps-alpha', operator: 'op-alice', inventory: { hostname: 'vps-alpha', cpuCores: 2 } });
    const push = await c.app.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: { authorization: `Bearer ${body.credential}`, 'content-type': 'application/json' },
      payload: reportAt([T0]),
    });
    expect(push.statusCode).toBe(200);
    // The enrollment token never works as a node credential.
    const misuse = await c.app.inject({
      method: 'POST',
      url: '/v1/reports',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: reportAt([T0]),
    });
    expect(misuse.statusCode).toBe(401);
  });

  it('is single-use, even under concurrent use', async () => {
    const { token } = await newToken();
    const results = await Promise.all([enroll(token, 'race-a'), enroll(token, 'race-b'), enroll(token, 'race-c')]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 401, 401]);
    expect((await enroll(token, 'later')).statusCode).toBe(401);
  });

  it('expires', async () => {
    const { token } = await newToken('op-bob', 1);
    clock.advance(3_600_001);
    const res = await enroll(token);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('FLEET_UNAUTHORIZED');
  });

  it('a host name that is taken gets a suffix (one credential per node, never shared)', async () => {
    const a = (await enroll((await newToken()).token, 'twin')).json();
    const b = (await enroll((await newToken()).token, 'twin')).json();
    expect(a.nodeId).not.toBe(b.nodeId);
    expect(a.credential).not.toBe(b.credential);
    const names = (await c.database.sql`select name from nodes where id in (${Number(a.nodeId)}, ${Number(b.nodeId)}) order by id`).map(
      (r) => r.name,
    );
    expect(names[0]).toBe('twin');
    expect(names[1]).toMatch(/^twin-[0-9a-f]+$/);
  });

  it.each([['nonsense'], ['tfe_AAAAAAAAAAAA_' + 'A'.repeat(43)]])('refuses %s without telling why', async (token) => {
    const res = await enroll(token);
    expect(res.statusCode).toBe(401);
  });

  it('`timmy-fleet join` enrolls against the real collector over loopback', async () => {
    const { token } = await newToken('op-carol');
    await c.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(c.app.server.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'timmy-join-'));
    try {
      const r = await join_({
        collectorUrl: url,
        token,
        configPath: join(dir, 'config.yaml'),
        stateDir: join(dir, 'state'),
        credentialFile: join(dir, 'state/credential'),
        allowInsecureHttp: false,
      });
      expect(r.credential).toMatch(/^tfn_/);
      expect(statSync(join(dir, 'state/credential')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, 'config.yaml'), 'utf8')).toContain(`collectorUrl: ${url}`);
      await expect(
        join_({
          collectorUrl: url,
          token,
          configPath: join(dir, 'c2.yaml'),
          stateDir: join(dir, 's2'),
          credentialFile: join(dir, 's2/credential'),
          allowInsecureHttp: false,
        }),
      ).rejects.toThrow(/enrollment refused: HTTP 401 FLEET_UNAUTHORIZED/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('install routes', () => {
  it('serves install.sh with this collector’s public URL filled in', async () => {
    const res = await c.app.inject({ method: 'GET', url: '/install.sh' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('COLLECTOR="https://fleet.example:8443"');
    expect(res.body).not.toContain('__COLLECTOR_URL__');
  });

  it('serves the bundled agent with a checksum that matches, and the unit and uninstall script', async () => {
    const bundle = await c.app.inject({ method: 'GET', url: '/agent/timmy-fleet.mjs' });
    expect(bundle.statusCode).toBe(200);
    const sum = await c.app.inject({ method: 'GET', url: '/agent/timmy-fleet.mjs.sha256' });
    expect(sum.body.split(' ')[0]).toBe(createHash('sha256').update(bundle.rawPayload).digest('hex'));
    expect((await c.app.inject({ method: 'GET', url: '/agent/timmy-fleet.service' })).body).toContain('ProtectSystem=strict');
    expect((await c.app.inject({ method: 'GET', url: '/uninstall.sh' })).body).toContain('--purge');
  }, 60_000);

  it('install.sh pins the SHA-256 of the bundle it will download (the checksum proves where it came from)', async () => {
    const bundle = await c.app.inject({ method: 'GET', url: '/agent/timmy-fleet.mjs' });
    const script = (await c.app.inject({ method: 'GET', url: '/install.sh' })).body;
    expect(script).toContain(`PINNED_SHA256="${createHash('sha256').update(bundle.rawPayload).digest('hex')}"`);
    expect(script).not.toContain('__AGENT_SHA256__');
  }, 60_000);
});
