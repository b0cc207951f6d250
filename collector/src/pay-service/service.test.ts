/**
 * The pay service on a real PostgreSQL: the README's worked example closed, read in every format,
 * verified (from the database and from an exported bundle), estimated, disputed and adjusted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedTestDatabase } from '../../../test/support/pg.ts';
import type { Statement } from '../pay/index.ts';
import { verifyBundle } from './bundle.ts';
import { PayService } from './service.ts';
import { at, readmeExample } from './testkit.ts';

let db: Awaited<ReturnType<typeof migratedTestDatabase>>;
let now = at('2027-04-20T00:00:00Z').getTime();
let pay: PayService;

beforeAll(async () => {
  db = await migratedTestDatabase('pay_service');
  pay = new PayService(db.sql, { settleDelayS: 3600, disputeDays: 14 }, () => now);
  await pay.ready();
  await readmeExample(db.sql);
});
afterAll(async () => {
  await db?.drop();
});

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code,
  );

describe('paying April 2027 (the README example)', () => {
  it('transfers n6 to bob from April 16, after its implicit first owner', async () => {
    const r = await pay.transfer({ name: 'n6' }, { to: 'bob', at: at('2027-04-16').getTime(), reason: 'hand-over', by: 'admin' });
    expect(r.transfers.map((t) => [t.operator, t.at])).toEqual([
      ['alice', '2027-03-01T00:00:00.000Z'],
      ['bob', '2027-04-16T00:00:00.000Z'],
    ]);
    // Not before the last transfer, not in the future.
    expect(await code(pay.transfer({ name: 'n6' }, { to: 'alice', at: at('2027-04-10').getTime(), reason: 'x', by: 'admin' }))).toBe(
      'FLEET_BAD_REQUEST',
    );
    expect(await code(pay.transfer({ name: 'n6' }, { to: 'alice', at: at('2027-04-25').getTime(), reason: 'x', by: 'admin' }))).toBe(
      'FLEET_BAD_REQUEST',
    );
  });

  it('imports tasks idempotently by source id, refusing other figures under the same id', async () => {
    const row = { sourceId: 'crm-2027-04', operator: 'alice', month: '2027-04', assigned: 100, completed: 98 };
    expect(await pay.importTasks([row], 'admin')).toEqual({ imported: ['crm-2027-04'], unchanged: [] });
    expect(await pay.importTasks([row], 'admin')).toEqual({ imported: [], unchanged: ['crm-2027-04'] });
    expect(await code(pay.importTasks([{ ...row, completed: 99 }], 'admin'))).toBe('FLEET_BAD_REQUEST');
  });

  it('estimates the open month through the statement code path', async () => {
    const e = await pay.estimate('alice', '2027-04');
    expect(e.final).toBe(false);
    expect(e.statement.lines.find((l) => l.code === 'base')?.amountCents).toBe(15000);
  });

  it('refuses to close before the month end plus the settling delay', async () => {
    now = at('2027-05-01T00:59:59Z').getTime();
    expect(await code(pay.close('2027-04', 'admin'))).toBe('FLEET_MONTH_NOT_SETTLED');
  });

  it('closes: alice is paid $242.50, bob has n6 from April 16; closing again changes nothing', async () => {
    now = at('2027-05-01T01:00:00Z').getTime();
    const r = await pay.close('2027-04', 'admin');
    expect(r).toMatchObject({ changed: true, statements: 3, policy: { id: 'per-operator', version: '2026-01' } });
    const alice = JSON.parse((await pay.statement('2027-04', 'alice')).canonical) as Statement;
    expect(alice.uptime).toMatchObject({ upSeconds: 14_236_200, downSeconds: 9_000, unknownSeconds: 3_600, maintenanceSeconds: 7_200 });
    expect(Object.fromEntries(alice.lines.map((l) => [l.code, l.amountCents]))).toEqual({
      base: 15000,
      extra_nodes: 1250,
      uptime_bonus: 5000,
      task_bonus: 3000,
      ack_bonus: 0,
    });
    expect(alice.totalCents).toBe(24250);
    expect(alice.lines.find((l) => l.code === 'task_bonus')?.refs.taskImports).toEqual([
      { sourceId: 'crm-2027-04', assigned: 100, completed: 98 },
    ]);
    const bob = JSON.parse((await pay.statement('2027-04', 'bob')).canonical) as Statement;
    expect(bob.nodes.map((n) => [n.nodeId, n.owned, n.ownedSeconds])).toEqual([
      ['n6', [{ from: at('2027-04-16').getTime(), to: at('2027-05-01').getTime() }], 1_296_000],
    ]);
    // Partner pat: 20 % of each referred operator's base and bonuses (two qualifying referrals; month 7 and 4 of service).
    const pat = JSON.parse((await pay.statement('2027-04', 'pat', 'partner')).canonical) as Statement;
    expect(pat.lines.map((l) => [l.reason, l.amountCents, l.refs.statement?.operatorId])).toEqual([
      ['commission', 4850, 'alice'],
      ['commission', 4400, 'bob'],
    ]);
    expect(pat.totalCents).toBe(9250);
    const again = await pay.close('2027-04', 'admin');
    expect(again).toMatchObject({ changed: false, statements: 3, totalCents: r.totalCents, closedAt: r.closedAt });
  });

  it('a closed month never changes: the database refuses to alter a statement, and dated changes are refused', async () => {
    await expect(db.sql`update statements set total_cents = 1`).rejects.toThrow(/immutable/);
    await expect(db.sql`delete from month_closes`).rejects.toThrow(/immutable/);
    expect(await code(pay.transfer({ name: 'n5' }, { to: 'bob', at: at('2027-04-30').getTime(), reason: 'late', by: 'admin' }))).toBe(
      'FLEET_MONTH_CLOSED',
    );
    expect(await code(pay.importTasks([{ sourceId: 'late', operator: 'bob', month: '2027-04', assigned: 1, completed: 1 }], 'admin'))).toBe(
      'FLEET_MONTH_CLOSED',
    );
  });

  it('the estimate of a finished month is its statement, byte for byte', async () => {
    const e = await pay.estimate('alice', '2027-04');
    expect(e.final).toBe(true);
    const { canonicalJson } = await import('../pay/index.ts');
    expect(canonicalJson(e.statement)).toBe((await pay.statement('2027-04', 'alice')).canonical);
  });

  it('verifies from the database and from an exported bundle; a changed byte is reported', async () => {
    expect(await pay.verify('2027-04')).toMatchObject({ ok: true, statements: 3, failed: [] });
    const bundle = await pay.exportBundle('2027-04');
    const offline = JSON.parse(JSON.stringify(bundle));
    expect(verifyBundle(offline)).toMatchObject({ ok: true, statements: 3 });
    const alice = offline.statements.find((s: { subjectId: string }) => s.subjectId === 'alice');
    alice.canonical = alice.canonical.replace('"totalCents":24250', '"totalCents":24350');
    const r = verifyBundle(offline);
    expect(r.ok).toBe(false);
    expect(r.failed[0]).toMatchObject({
      subjectId: 'alice',
      statementDigestOk: false,
      differences: [{ path: 'totalCents', stored: 24350, recomputed: 24250 }],
    });
    const stored = bundle.statements.find((s) => s.subjectId === 'alice')!.canonical;
    expect(r.failed[0]!.firstDifferentByte).toBe(
      Buffer.byteLength(stored.slice(0, stored.indexOf('"totalCents":24250'))) + '"totalCents":24'.length,
    );
  });

  it('renders CSV for finance and Markdown for the operator from the stored bytes', async () => {
    const csv = await pay.monthCsv('2027-04');
    expect(csv.split('\r\n').filter((l) => l.startsWith('2027-04,operator,alice,')).length).toBe(5);
    expect(await pay.statementMarkdown('2027-04', 'alice')).toContain('**Total: $242.50**');
  });

  it('a dispute within the window is answered; an accepted one becomes an adjustment in the open month, seen by both sides', async () => {
    now = at('2027-05-03T09:00:00Z').getTime();
    const d = await pay.dispute({
      month: '2027-04',
      operator: 'alice',
      lineIndex: 4,
      message: 'inc-23 was acknowledged by phone at 22:20',
      by: 'alice',
    });
    expect(d).toMatchObject({ status: 'open', line: { index: 4, code: 'ack_bonus' } });
    const answered = await pay.answer(d.id, { accept: true, answer: 'phone log confirms 22:20', amountCents: 2000, by: 'finance' });
    expect(answered).toMatchObject({ status: 'accepted', answeredBy: 'finance' });
    expect(answered.adjustmentId).not.toBeNull();
    expect(await code(pay.answer(d.id, { accept: false, answer: 'again', by: 'finance' }))).toBe('FLEET_CONFLICT');
    expect((await pay.disputes({ operator: 'alice' })).map((x) => x.status)).toEqual(['accepted']);
    const may = await pay.estimate('alice', '2027-05');
    expect(may.statement.lines.at(-1)).toMatchObject({
      code: 'adjustment',
      reason: 'dispute_resolved',
      amountCents: 2000,
      refs: { adjustment: { corrects: { month: '2027-04', code: 'ack_bonus' } } },
    });
  });

  it('a dispute after the window is refused', async () => {
    now = at('2027-05-15T01:00:01Z').getTime();
    expect(await code(pay.dispute({ month: '2027-04', operator: 'alice', lineIndex: 0, message: 'late', by: 'alice' }))).toBe(
      'FLEET_DISPUTE_WINDOW_OVER',
    );
  });
});
