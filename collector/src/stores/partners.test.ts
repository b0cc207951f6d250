/** The partners and applications stores on a real database: partners, referrals (one per operator), applications and their operators. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedTestDatabase } from '../../../test/support/pg.ts';
import { sampleApplication } from '../program/testkit.ts';
import { applicationsBetween, insertApplication, listApplications } from './applications.ts';
import { ensureOperator } from './operators.ts';
import {
  insertPartner,
  insertReferral,
  listPartners,
  partnerIdByCode,
  partnerReferrals,
  referralsBetween,
  resolvePartner,
} from './partners.ts';

const T0 = Date.UTC(2027, 3, 1);
let db: Awaited<ReturnType<typeof migratedTestDatabase>>;

beforeAll(async () => {
  db = await migratedTestDatabase('stores_partners');
});
afterAll(async () => {
  await db?.drop();
});

describe('partners', () => {
  it('adds a partner once per name and per code; finds it by name, id and code', async () => {
    expect(await insertPartner(db.sql, { name: 'pat', referralCode: 'PAT' }, 'admin', T0)).toBe(true);
    expect(await insertPartner(db.sql, { name: 'pat', referralCode: 'OTHER' }, 'admin', T0)).toBe(false);
    expect(await insertPartner(db.sql, { name: 'sam', referralCode: 'PAT' }, 'admin', T0)).toBe(false);
    const pat = await resolvePartner(db.sql, 'pat');
    expect(await resolvePartner(db.sql, String(pat.id))).toEqual(pat);
    expect(await partnerIdByCode(db.sql, 'PAT')).toBe(pat.id);
    expect(await partnerIdByCode(db.sql, 'NOPE')).toBeUndefined();
    expect(await listPartners(db.sql)).toEqual([{ id: pat.id, name: 'pat', referralCode: 'PAT', createdAt: new Date(T0), referrals: 0 }]);
  });

  it('refuses an unknown partner with FLEET_NOT_FOUND, an id beyond 2^53 with FLEET_BAD_REQUEST', async () => {
    await expect(resolvePartner(db.sql, 'nobody')).rejects.toMatchObject({ code: 'FLEET_NOT_FOUND', message: 'no partner "nobody"' });
    await expect(resolvePartner(db.sql, '99999999999999999999')).rejects.toMatchObject({ code: 'FLEET_BAD_REQUEST' });
  });

  it('records one referring partner per operator', async () => {
    const pat = await resolvePartner(db.sql, 'pat');
    const op = await ensureOperator(db.sql, 'acme');
    expect(await insertReferral(db.sql, { partnerId: pat.id, operatorId: op, at: T0 + 1000, by: 'admin' })).toBe(true);
    expect(await insertReferral(db.sql, { partnerId: pat.id, operatorId: op, at: T0 + 2000, by: 'admin' })).toBe(false);
    expect(await partnerReferrals(db.sql, pat.id)).toEqual([
      { operator: 'acme', state: 'certified', tier: 'certified', region: null, referredAt: new Date(T0 + 1000) },
    ]);
    expect((await listPartners(db.sql, 'pat'))[0]!.referrals).toBe(1);
  });
});

describe('applications', () => {
  it('stores an application with its operator (state application), referred by the partner whose code it gives', async () => {
    const pat = await resolvePartner(db.sql, 'pat');
    const application = sampleApplication((a) => {
      a.referralCode = 'PAT';
    });
    const at = T0 + 86_400_000;
    const a = await db.sql.begin(async (tx) => {
      const stored = await insertApplication(tx, { application, notes: [], partnerId: pat.id, at });
      await insertReferral(tx, { partnerId: pat.id, operatorId: stored.operatorId, at, by: 'application', applicationId: stored.id });
      return stored;
    });
    expect(a.operator).toBe(`applicant-${a.id}`);
    const queue = await listApplications(db.sql, true);
    expect(queue).toMatchObject([{ id: a.id, operator: a.operator, state: 'application', partner: 'pat', email: 'amara@example.org' }]);
    expect(queue[0]!.data).toEqual(application);
    expect(await applicationsBetween(db.sql, at, at + 1)).toEqual([{ submittedAt: new Date(at), partner: 'pat' }]);
    expect(await applicationsBetween(db.sql, T0, at)).toEqual([]);
    expect(await referralsBetween(db.sql, at, at + 1)).toEqual([
      { partner: 'pat', operator: a.operator, state: 'application', referredAt: new Date(at) },
    ]);
  });

  it('the review queue leaves out operators past the pipeline', async () => {
    await db.sql`update operators set lifecycle_state = 'probation' where name like 'applicant-%'`;
    expect(await listApplications(db.sql, true)).toEqual([]);
    expect((await listApplications(db.sql, false)).map((a) => a.state)).toEqual(['probation']);
  });
});
