/**
 * Paying operators through the API, in process on a real database with a hand-driven clock: a node
 * transfer, a CSV task import, the month close, the statement in its three formats, verification,
 * the evidence bundle, the live estimate, a dispute and its answer, and the refusals with their codes.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyBundle } from '../pay-service/bundle.ts';
import { at } from '../pay-service/testkit.ts';
import { payExample } from '../../../test/support/pay-example.ts';

const ex = payExample('pay_routes', '2027-04-20T00:00:00Z');
const { clock, auth } = ex;

const call = (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  ex.c.app.inject({ method, url, headers: { ...auth, ...headers }, ...(payload === undefined ? {} : { payload: payload as string }) });

/** A new person with a token of their own, and requests made with it. */
async function personCalls(p: Parameters<typeof ex.c.services.program.people.add>[0]) {
  await ex.c.services.program.people.add(p, 'test', clock.now);
  const { token } = await ex.c.services.program.people.issueToken(p.name, {}, 'test', clock.now);
  return (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    ex.c.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
}

describe('paying operators through the API', () => {
  it('transfers a node, listing every problem of a refused transfer', async () => {
    const r = await call('POST', '/v1/admin/nodes/n6/transfers', { to: 'bob', at: '2027-04-16T00:00:00Z', reason: 'hand-over' });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().transfers.map((t: { operator: string }) => t.operator)).toEqual(['alice', 'bob']);
    const bad = await call('POST', '/v1/admin/nodes/n6/transfers', { to: 'bob', at: '2027-04-17T00:00:00.500Z', reason: 'again' });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .details.map((p: { code: string }) => p.code)
        .sort(),
    ).toEqual(['no_change', 'not_whole_second']);
    expect((await call('POST', '/v1/admin/nodes/nope/transfers', { to: 'bob', reason: 'x' })).json().code).toBe('FLEET_NOT_FOUND');
    expect((await call('GET', '/v1/nodes/n6/transfers')).json().transfers).toHaveLength(2);
    expect(
      (await ex.c.app.inject({ method: 'POST', url: '/v1/admin/nodes/n6/transfers', payload: { to: null, reason: 'x' } })).statusCode,
    ).toBe(401);
  });

  it('imports tasks as CSV, idempotently, and lists every problem of a bad file', async () => {
    const csv = 'source_id,operator,month,assigned,completed\r\ncrm-2027-04,alice,2027-04,100,98\r\n';
    const first = await call('POST', '/v1/admin/tasks/import', csv, { 'content-type': 'text/csv' });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ imported: ['crm-2027-04'], unchanged: [] });
    expect((await call('POST', '/v1/admin/tasks/import', csv, { 'content-type': 'text/csv' })).json()).toEqual({
      imported: [],
      unchanged: ['crm-2027-04'],
    });
    const bad = await call('POST', '/v1/admin/tasks/import', {
      rows: [{ sourceId: 'x', operator: 'carol', month: '2027-13', assigned: 1, completed: 2 }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.map((p: { path: string }) => p.path)).toEqual(['rows[0].month', 'rows[0].completed']);
  });

  it('estimates the open month', async () => {
    const r = await call('GET', '/v1/operators/alice/pay/estimate?month=2027-04');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ final: false, statement: { subject: { id: 'alice' } } });
    // A partner's commission so far: the referred operators' estimates through the partner statement's code path.
    const p = await call('GET', '/v1/partners/pat/pay/estimate?month=2027-04');
    expect(p.statusCode, p.body).toBe(200);
    expect(p.json()).toMatchObject({ final: false, statement: { subject: { kind: 'partner', id: 'pat' } } });
    expect(p.json().statement.lines.map((l: { code: string }) => l.code)).toEqual(['referral_commission', 'referral_commission']);
    expect((await call('GET', '/v1/partners/nobody/pay/estimate')).json().code).toBe('FLEET_NOT_FOUND');
  });

  it('closes after the settling delay, once; serves the statement bytes, CSV and Markdown; verifies', async () => {
    clock.now = at('2027-05-01T00:30:00Z').getTime();
    const early = await call('POST', '/v1/admin/months/2027-04/close');
    expect([early.statusCode, early.json().code]).toEqual([409, 'FLEET_MONTH_NOT_SETTLED']);
    clock.now = at('2027-05-01T02:00:00Z').getTime();
    const r = await call('POST', '/v1/admin/months/2027-04/close');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ changed: true, statements: 3 });
    expect((await call('POST', '/v1/admin/months/2027-04/close')).json()).toMatchObject({ changed: false, statements: 3 });

    const st = await call('GET', '/v1/operators/alice/statements/2027-04');
    expect(st.headers['content-type']).toMatch(/^application\/json/);
    expect(createHash('sha256').update(st.rawPayload).digest('hex')).toBe(st.headers['x-statement-sha256']);
    expect(st.json().totalCents).toBe(24250);
    const list = (await call('GET', '/v1/months/2027-04/statements')).json();
    expect(list.map((s: { subjectId: string; totalCents: number }) => [s.subjectId, s.totalCents])).toContainEqual(['alice', 24250]);
    const csv = await call('GET', '/v1/months/2027-04/statements?format=csv');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n')[0]).toMatch(/^month,subject_kind,subject_id,/);
    const md = await call('GET', '/v1/operators/alice/statements/2027-04?format=markdown');
    expect(md.body).toContain('**Total: $242.50**');
    expect((await call('GET', '/v1/operators/carol/statements/2027-04')).statusCode).toBe(404);
    expect((await call('GET', '/v1/partners/pat/statements/2027-04')).json()).toMatchObject({
      subject: { kind: 'partner', id: 'pat' },
      totalCents: 9250,
    });

    expect((await call('GET', '/v1/months/2027-04/verify')).json()).toMatchObject({ ok: true, statements: 3, failed: [] });
    const bundle = await call('GET', '/v1/admin/months/2027-04/evidence');
    expect(verifyBundle(bundle.json())).toMatchObject({ ok: true, statements: 3 });
    expect((await call('GET', '/v1/months/2027-03/verify')).json().code).toBe('FLEET_NOT_FOUND');

    // The estimate of a finished month is the statement, for a partner too.
    const partnerSt = await call('GET', '/v1/partners/pat/statements/2027-04');
    const est = await call('GET', '/v1/partners/pat/pay/estimate?month=2027-04');
    expect(est.json().final).toBe(true);
    expect(est.json().statement).toEqual(partnerSt.json());
  });

  it('refuses changes dated in the closed month', async () => {
    const r = await call('POST', '/v1/admin/adjustments', {
      operator: 'alice',
      month: '2027-04',
      amountCents: 100,
      reason: 'fix',
      note: 'x',
    });
    expect([r.statusCode, r.json().code]).toEqual([409, 'FLEET_MONTH_CLOSED']);
  });

  it('a dispute, its answer and the adjustment are visible to both sides', async () => {
    const d = await call('POST', '/v1/operators/alice/statements/2027-04/disputes', { line: 4, message: 'acknowledged by phone' });
    expect(d.statusCode, d.body).toBe(200);
    const a = await call('POST', `/v1/admin/disputes/${d.json().id}/answer`, { accept: true, answer: 'confirmed', amountCents: 2000 });
    expect(a.json()).toMatchObject({ status: 'accepted', answer: 'confirmed' });
    expect((await call('GET', '/v1/disputes?operator=alice')).json()).toMatchObject([{ status: 'accepted', line: { code: 'ack_bonus' } }]);
    const may = (await call('GET', '/v1/operators/alice/pay/estimate?month=2027-05')).json();
    expect(may.statement.lines.at(-1)).toMatchObject({ code: 'adjustment', amountCents: 2000, reason: 'dispute_resolved' });
  });

  it("an operator's token reads their own statement, estimate and disputes; another's is a 404, every statement a 403", async () => {
    const as = await personCalls({ name: 'alice-person', role: 'operator', operator: 'alice' });
    expect((await as('GET', '/v1/operators/alice/statements/2027-04')).json().totalCents).toBe(24250);
    const theirs = await as('GET', '/v1/operators/bob/statements/2027-04');
    expect([theirs.statusCode, theirs.json().code]).toEqual([404, 'FLEET_NOT_FOUND']);
    expect((await as('GET', '/v1/operators/bob/pay/estimate?month=2027-05')).statusCode).toBe(404);
    expect((await as('GET', '/v1/months/2027-04/statements')).statusCode).toBe(403);
    expect((await as('POST', '/v1/admin/months/2027-04/close')).statusCode).toBe(403);
    const d = await as('POST', '/v1/operators/alice/statements/2027-04/disputes', { line: 0, message: 'base looks right, just checking' });
    expect(d.json()).toMatchObject({ openedBy: expect.any(String), status: 'open', line: { code: 'base' } });
    expect((await as('POST', '/v1/operators/bob/statements/2027-04/disputes', { line: 0, message: 'not mine' })).statusCode).toBe(404);
    const mine = (await as('GET', '/v1/disputes')).json();
    expect(mine.every((x: { subject: { id: string } }) => x.subject.id === 'alice')).toBe(true);
    expect((await as('GET', '/v1/disputes?operator=bob')).json()).toEqual([]);
  });

  it("a partner disputes a commission line, reads their disputes and live estimate; another partner's are a 404, operators' pay a 403", async () => {
    await ex.sql`insert into partners (name, referral_code, created_by) values ('quinn', 'QUINN1', 'test')`;
    const as = await personCalls({ name: 'pat-person', role: 'partner', partner: 'pat' });

    const d = await as('POST', '/v1/partners/pat/statements/2027-04/disputes', {
      line: 1,
      message: "bob's commission: he started in January",
    });
    expect(d.statusCode, d.body).toBe(200);
    expect(d.json()).toMatchObject({
      subject: { kind: 'partner', id: 'pat' },
      line: { index: 1, code: 'referral_commission' },
      status: 'open',
    });
    const bad = await as('POST', '/v1/partners/pat/statements/2027-04/disputes', { line: 9, message: 'x' });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'FLEET_BAD_REQUEST']);
    for (const url of ['/v1/partners/quinn/statements/2027-04/disputes', '/v1/partners/nobody/statements/2027-04/disputes']) {
      const r = await as('POST', url, { line: 0, message: 'x' });
      expect([r.statusCode, r.json().code], url).toEqual([404, 'FLEET_NOT_FOUND']);
    }
    expect((await as('GET', '/v1/partners/quinn/disputes')).statusCode).toBe(404);
    expect((await as('GET', '/v1/partners/quinn/pay/estimate')).statusCode).toBe(404);
    // An operator's pay and the fleet-wide dispute list are not a partner's.
    expect((await as('GET', '/v1/operators/alice/pay/estimate')).statusCode).toBe(403);
    expect((await as('GET', '/v1/disputes')).statusCode).toBe(403);
    // Staff see it among the partner's, not an operator's of the same name.
    expect((await call('GET', '/v1/disputes?partner=pat')).json()).toMatchObject([{ id: d.json().id }]);
    expect((await call('GET', '/v1/disputes?operator=pat')).json()).toEqual([]);

    // The answer becomes an adjustment of the partner's in the open month: both sides see it, and the estimate counts it.
    const a = await call('POST', `/v1/admin/disputes/${d.json().id}/answer`, {
      accept: true,
      answer: 'counted from January',
      amountCents: 500,
    });
    expect(a.json()).toMatchObject({ status: 'accepted', adjustmentId: expect.any(Number) });
    expect((await as('GET', '/v1/partners/pat/disputes')).json()).toMatchObject([{ status: 'accepted', answer: 'counted from January' }]);
    expect((await as('GET', '/v1/partners/pat/disputes?status=open')).json()).toEqual([]);
    const may = await as('GET', '/v1/partners/pat/pay/estimate?month=2027-05');
    expect(may.statusCode, may.body).toBe(200);
    expect(may.json().statement.lines.at(-1)).toMatchObject({ code: 'adjustment', amountCents: 500, reason: 'dispute_resolved' });
  });
});
