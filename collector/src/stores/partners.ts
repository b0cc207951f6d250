/**
 * Partners and their referrals: find a partner by id, name or referral code, list them with how many
 * operators each referred, record a partner and a referral (one partner per operator).
 */
import type postgres from 'postgres';
import type { operators, partners, referrals } from '../db/schema/index.ts';
import { Errors } from '../errors.ts';
import { parseRef } from '../refs.ts';

export type PartnerRow = Pick<typeof partners.$inferSelect, 'id' | 'name' | 'referralCode' | 'createdAt'> & { referrals: number };
/** An operator a partner referred, with the operator's state now. */
export type ReferralRow = Pick<typeof operators.$inferSelect, 'tier' | 'region'> &
  Pick<typeof referrals.$inferSelect, 'referredAt'> & { operator: string; state: string };

/** A referral made in a period: who referred whom, with the operator's state now. */
export type PeriodReferralRow = Pick<ReferralRow, 'operator' | 'state' | 'referredAt'> & { partner: string };

/** The partner `ref` names (id when all digits, else name); FLEET_NOT_FOUND when there is none. */
export async function resolvePartner(sql: postgres.ISql, ref: string): Promise<{ id: number; name: string }> {
  const r = parseRef(ref, 'partner');
  const [row] = await sql<{ id: number; name: string }[]>`
    select id::int4 as id, name from partners where ${r.id !== undefined ? sql`id = ${r.id}` : sql`name = ${r.name}`}`;
  if (!row) throw new Errors.NotFound(`no partner "${ref}"`);
  return row;
}

/** The id of the partner with this referral code, if any. */
export async function partnerIdByCode(sql: postgres.ISql, code: string): Promise<number | undefined> {
  const [row] = await sql<{ id: number }[]>`select id::int4 as id from partners where referral_code = ${code}`;
  return row?.id;
}

/** Every partner (or the one named), by name, with their number of referrals. */
export function listPartners(sql: postgres.ISql, name?: string): Promise<PartnerRow[]> {
  return sql<PartnerRow[]>`
    select p.id::int4 as id, p.name, p.referral_code as "referralCode", p.created_at as "createdAt",
           (select count(*) from referrals r where r.partner_id = p.id)::int4 as referrals
    from partners p ${name === undefined ? sql`` : sql`where p.name = ${name}`} order by p.name`;
}

/** False when a partner with this name or code exists already (nothing written). */
export async function insertPartner(
  sql: postgres.ISql,
  p: { name: string; referralCode: string },
  by: string,
  now: number,
): Promise<boolean> {
  const rows = await sql`
    insert into partners (name, referral_code, created_by, created_at) values (${p.name}, ${p.referralCode}, ${by}, ${new Date(now)})
    on conflict do nothing returning id`;
  return rows.length > 0;
}

/** The operators a partner referred, in the order referred. */
export function partnerReferrals(sql: postgres.ISql, partnerId: number): Promise<ReferralRow[]> {
  return sql<ReferralRow[]>`
    select o.name as operator, o.lifecycle_state as state, o.tier, o.region, r.referred_at as "referredAt"
    from referrals r join operators o on o.id = r.operator_id where r.partner_id = ${partnerId} order by r.referred_at, o.name`;
}

/** Records a referral; false when the operator has a referring partner already (nothing written). */
export async function insertReferral(
  sql: postgres.ISql,
  r: { partnerId: number; operatorId: number; at: number; by: string; applicationId?: number },
): Promise<boolean> {
  const rows = await sql`
    insert into referrals (partner_id, operator_id, referred_at, application_id, recorded_by)
    values (${r.partnerId}, ${r.operatorId}, ${new Date(r.at)}, ${r.applicationId ?? null}, ${r.by})
    on conflict (operator_id) do nothing returning id`;
  return rows.length > 0;
}

/** Referrals made in [from, to): who referred whom, and the operator's state now (the monthly program report). */
export function referralsBetween(sql: postgres.ISql, from: number, to: number): Promise<PeriodReferralRow[]> {
  return sql<PeriodReferralRow[]>`
    select p.name as partner, o.name as operator, o.lifecycle_state as state, r.referred_at as "referredAt"
    from referrals r join partners p on p.id = r.partner_id join operators o on o.id = r.operator_id
    where r.referred_at >= ${new Date(from)} and r.referred_at < ${new Date(to)}`;
}
