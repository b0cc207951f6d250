/**
 * The operator program through the API on a real PostgreSQL: person tokens (shown once, hashed, last use
 * throttled, revoked, expired), applications (every problem listed; the referral recorded), the review
 * queue and funnel, lifecycle moves with their history, partners, and region coverage in the API and
 * on /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/pg.ts';
import { ManualClock, testCollector } from '../../../test/support/harness.ts';
import { hashToken, type OperatorApplication } from '../program/index.ts';
import { sampleApplication } from '../program/testkit.ts';

const NOW = Date.UTC(2027, 3, 1);
const D = 86_400_000;
const ADMIN = { authorization: 'Bearer admin-token-for-tests-0123456789' };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let c: Awaited<ReturnType<typeof testCollector>>;
const clock = new ManualClock(NOW);

/** The sample application on another OS (a reviewer's note), signed before NOW, with partner-p's referral code; `edit` changes it further. */
const application = (edit: (a: OperatorApplication) => void = () => {}) =>
  sampleApplication((a) => {
    a.server.os = 'Debian 12';
    a.agreement.signedOn = '2027-03-30';
    a.referralCode = 'PCODE';
    edit(a);
  });

const call = (method: string, url: string, headers: Record<string, string> = ADMIN, payload?: unknown) =>
  c.app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

beforeAll(async () => {
  db = await createTestDatabase('program_api', { migrated: true });
  c = await testCollector(db.url, clock, { anonymousRead: false });
  expect((await call('POST', '/v1/admin/partners', ADMIN, { name: 'partner-p', referralCode: 'PCODE' })).statusCode).toBe(201);
  expect((await call('POST', '/v1/admin/partners', ADMIN, { name: 'partner-q', referralCode: 'QCODE' })).statusCode).toBe(201);
});

afterAll(async () => {
  await c?.close();
  await db?.drop();
});

describe('person tokens', () => {
  let token = '';
  let id = 0;
  const lastUsed = async () =>
    (await c.database.sql<{ at: Date | null }[]>`select last_used_at as at from person_tokens where id = ${id}`)[0]!.at?.getTime() ?? null;

  it('are shown once, stored as their SHA-256 only, and name their role', async () => {
    expect((await call('POST', '/v1/admin/people', ADMIN, { name: 'lee', role: 'fleet_lead' })).statusCode).toBe(201);
    const r = await call('POST', '/v1/admin/people/lee/tokens', ADMIN, { ttlDays: 30, label: 'laptop' });
    expect(r.statusCode, r.body).toBe(201);
    token = r.json().token;
    id = r.json().info.id;
    expect(token).toMatch(/^tfp_[0-9A-Za-z]{36}$/);
    const stored = await c.database.sql`select * from person_tokens where id = ${id}`;
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored[0]!.token_hash).toBe(hashToken(token));
    const list = await call('GET', '/v1/admin/tokens?person=lee');
    expect(list.body).not.toContain(token);
    expect(list.json()).toMatchObject([{ person: 'lee', role: 'fleet_lead', label: 'laptop', status: 'active', lastUsedAt: null }]);
    const me = await call('GET', '/v1/me', { authorization: `Bearer ${token}` });
    expect(me.json()).toMatchObject({ role: 'fleet_lead', person: { name: 'lee' } });
  });

  it('record their last use at most once a minute', async () => {
    const bearer = { authorization: `Bearer ${token}` };
    const first = await lastUsed();
    expect(first).toBe(NOW);
    clock.advance(30_000);
    expect((await call('GET', '/v1/nodes', bearer)).statusCode).toBe(200);
    expect(await lastUsed()).toBe(NOW);
    clock.advance(31_000);
    expect((await call('GET', '/v1/nodes', bearer)).statusCode).toBe(200);
    expect(await lastUsed()).toBe(NOW + 61_000);
  });

  it('refuse a mistyped token (checksum), an expired one and a revoked one with 401; a lead is not an admin (403)', async () => {
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const flipped = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11);
    expect((await call('GET', '/v1/nodes', bearer(flipped))).statusCode).toBe(401);
    expect((await call('GET', '/v1/admin/tokens', bearer(token))).json().code).toBe('FLEET_FORBIDDEN');
    const second = (await call('POST', '/v1/admin/people/lee/tokens', ADMIN, { ttlDays: 1 })).json().token;
    clock.advance(D);
    const expired = await call('GET', '/v1/nodes', bearer(second));
    expect([expired.statusCode, expired.json().code]).toEqual([401, 'FLEET_UNAUTHORIZED']);
    expect((await call('GET', '/v1/nodes', bearer(token))).statusCode).toBe(200);
    const revoked = await call('POST', `/v1/admin/tokens/${id}/revoke`, ADMIN);
    expect(revoked.json()).toMatchObject({ changed: true, token: { status: 'revoked' } });
    expect((await call('POST', `/v1/admin/tokens/${id}/revoke`, ADMIN)).json().changed).toBe(false);
    expect((await call('GET', '/v1/nodes', bearer(token))).statusCode).toBe(401);
  });
});

describe('applications and the lifecycle', () => {
  it('lists every problem of a bad application in one 400', async () => {
    const bad = application((a) => {
      a.server.vcpus = 1;
      a.server.storageType = 'hdd';
      a.referralCode = 'NOPE';
    });
    const { applicant: _a, ...noApplicant } = bad;
    const r = await call('POST', '/v1/applications', {}, noApplicant);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().code).toBe('FLEET_BAD_REQUEST');
    expect(
      r
        .json()
        .details.map((p: { path: string; code: string }) => `${p.path} ${p.code}`)
        .sort(),
    ).toEqual([
      'applicant missing',
      'referralCode unknown_referral_code',
      'server.storageType below_minimum',
      'server.vcpus below_minimum',
    ]);
  });

  it("takes a good one without a token, records the partner's referral, and queues it for review", async () => {
    const r = await call('POST', '/v1/applications', {}, application());
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().notes.map((n: { code: string }) => n.code)).toEqual(['os_not_preferred']);
    const op = r.json().operator;
    const queue = await call('GET', '/v1/applications');
    expect(queue.json()).toMatchObject([{ operator: op, state: 'application', partner: 'partner-p', region: 'eu-central' }]);
    const partner = await call('GET', '/v1/partners/partner-p');
    expect(partner.json().referrals).toMatchObject([{ operator: op, state: 'application' }]);
  });

  it('moves an applicant through the lifecycle with who, when and why; refusals list every problem; the funnel counts', async () => {
    const op = (await call('GET', '/v1/applications')).json()[0].operator;
    const move = (event: object, reason = 'reviewed') => call('POST', `/v1/operators/${op}/transitions`, ADMIN, { event, reason });
    expect((await move({ type: 'start_screening' })).statusCode).toBe(200);
    const refused = await move({ type: 'promote' }, '');
    expect(refused.statusCode).toBe(400);
    expect(refused.json().details.map((p: { code: string }) => p.code)).toEqual(expect.arrayContaining(['not_allowed_from_state']));
    const rejected = await move({ type: 'reject', reason: 'insufficient_experience' }, 'two years of Linux only');
    expect(rejected.json().status).toMatchObject({ state: 'rejected', rejection: 'insufficient_experience' });
    const life = (await call('GET', `/v1/operators/${op}/lifecycle`)).json();
    expect(life.history.map((h: { to: string; by: string }) => `${h.to} by ${h.by}`)).toEqual(['screening by admin', 'rejected by admin']);
    expect(life.allowedEvents).toEqual(['reapply']);
    const [row] = await c.database.sql`select reason_code from operator_transitions where to_state = 'rejected'`;
    expect(row!.reason_code).toBe('insufficient_experience');
    const f = (await call('GET', '/v1/applications/funnel')).json();
    expect(f.stages.find((s: { stage: string }) => s.stage === 'screening')).toEqual({ stage: 'screening', current: 0, reached: 1 });
    expect(f.rejections.insufficient_experience).toBe(1);
    expect((await call('GET', '/v1/applications')).json()).toEqual([]);
  });
});

describe('partners and coverage', () => {
  it("a partner reads their own record, and another partner's is not found", async () => {
    expect((await call('POST', '/v1/admin/people', ADMIN, { name: 'pat', role: 'partner', partner: 'partner-q' })).statusCode).toBe(201);
    const t = (await call('POST', '/v1/admin/people/pat/tokens', ADMIN, {})).json().token;
    const bearer = { authorization: `Bearer ${t}` };
    expect((await call('GET', '/v1/partners/partner-q', bearer)).statusCode).toBe(200);
    const other = await call('GET', '/v1/partners/partner-p', bearer);
    const none = await call('GET', '/v1/partners/nobody', bearer);
    expect([other.statusCode, other.json().code]).toEqual([404, 'FLEET_NOT_FOUND']);
    expect(other.json().message.replace('partner-p', 'X')).toBe(none.json().message.replace('nobody', 'X'));
  });

  it('a region with fewer than two active operators is at risk, in the API and on /metrics', async () => {
    for (const op of ['op-1', 'op-2', 'op-3'])
      expect((await call('PUT', `/v1/admin/operators/${op}`, ADMIN, { region: op === 'op-3' ? 'us-east' : 'eu-central' })).statusCode).toBe(
        200,
      );
    const cov = (await call('GET', '/v1/regions/coverage')).json();
    expect(cov).toEqual([
      { region: 'eu-central', active: 2, required: 2, atRisk: false },
      { region: 'us-east', active: 1, required: 2, atRisk: true },
    ]);
    // Suspending one of eu-central's two puts it at risk as well.
    const s = await call('POST', '/v1/operators/op-2/transitions', ADMIN, { event: { type: 'suspend' }, reason: 'unreachable for 72 h' });
    expect(s.statusCode, s.body).toBe(200);
    const metrics = (await call('GET', '/metrics', {})).body;
    expect(metrics).toContain('timmy_region_coverage_at_risk{region="eu-central"} 1');
    expect(metrics).toContain('timmy_region_coverage_at_risk{region="us-east"} 1');
    expect(metrics).toContain('timmy_region_active_operators{region="eu-central"} 1');
  });
});
