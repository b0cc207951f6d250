/**
 * The operator program's records: the people who reach the collector with their own tokens, partners
 * and the operators they referred, applications, and every lifecycle move of an operator (the current
 * state itself lives on `operators`: `lifecycle_state` and friends, fleet.ts).
 *
 * All of them are small and change rarely: reference tables in a Citus layout (copied to every worker,
 * joinable from any shard), so their fleet-wide unique keys (token hash, referral code) are enforceable.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { operators } from './fleet.ts';

export const partners = pgTable(
  'partners',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    name: text('name').notNull(),
    /** What an applicant types in `referralCode`. */
    referralCode: text('referral_code').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [uniqueIndex('partners_name_uq').on(t.name), uniqueIndex('partners_referral_code_uq').on(t.referralCode)],
);

/** A person who reaches the collector: one role, and for an operator or a partner, which one they are. */
export const people = pgTable(
  'people',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    name: text('name').notNull(),
    email: text('email'),
    /** admin | fleet_lead | finance | operator | partner */
    role: text('role').notNull(),
    operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
    partnerId: bigint('partner_id', { mode: 'number' }).references(() => partners.id),
    createdAt: ts('created_at').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [
    uniqueIndex('people_name_uq').on(t.name),
    // An operator person names their operator, a partner person their partner; nobody else names either.
    check(
      'people_role_link',
      sql`(${t.role} = 'operator') = (${t.operatorId} is not null) and (${t.role} = 'partner') = (${t.partnerId} is not null)`,
    ),
  ],
);

/** Person tokens: only the SHA-256 is kept (the lookup key); the token is shown once, when issued. */
export const personTokens = pgTable(
  'person_tokens',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    personId: bigint('person_id', { mode: 'number' })
      .notNull()
      .references(() => people.id),
    tokenHash: text('token_hash').notNull(),
    /** `tfp_` and 4 characters, to tell tokens apart in lists. */
    displayPrefix: text('display_prefix').notNull(),
    role: text('role').notNull(),
    label: text('label'),
    issuedAt: ts('issued_at').notNull(),
    issuedBy: text('issued_by').notNull(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
    revokedBy: text('revoked_by'),
    /** Recorded at most once a minute per token (no write per request). */
    lastUsedAt: ts('last_used_at'),
  },
  (t) => [uniqueIndex('person_tokens_hash_uq').on(t.tokenHash), index('person_tokens_person_idx').on(t.personId)],
);

/** An application as submitted: the form's structured data and the reviewer's notes; its operator carries the lifecycle. */
export const applications = pgTable(
  'applications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    operatorId: bigint('operator_id', { mode: 'number' })
      .notNull()
      .references(() => operators.id),
    data: jsonb('data').notNull(),
    /** What a reviewer should weigh (no static IP, another OS, a commitment declined). */
    notes: jsonb('notes').notNull(),
    email: text('email').notNull(),
    region: text('region').notNull(),
    referralCode: text('referral_code'),
    partnerId: bigint('partner_id', { mode: 'number' }).references(() => partners.id),
    submittedAt: ts('submitted_at').notNull(),
  },
  (t) => [index('applications_operator_idx').on(t.operatorId)],
);

/** Which partner referred which operator, and when: commission is computed from it. One partner per operator. */
export const referrals = pgTable(
  'referrals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    partnerId: bigint('partner_id', { mode: 'number' })
      .notNull()
      .references(() => partners.id),
    operatorId: bigint('operator_id', { mode: 'number' })
      .notNull()
      .references(() => operators.id),
    referredAt: ts('referred_at').notNull(),
    applicationId: bigint('application_id', { mode: 'number' }).references(() => applications.id),
    recordedBy: text('recorded_by').notNull(),
  },
  (t) => [uniqueIndex('referrals_operator_uq').on(t.operatorId), index('referrals_partner_idx').on(t.partnerId)],
);

/** Every lifecycle move: from, to, the event (with its score, reason code, last active day), who, when, why. */
export const operatorTransitions = pgTable(
  'operator_transitions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    operatorId: bigint('operator_id', { mode: 'number' })
      .notNull()
      .references(() => operators.id),
    fromState: text('from_state').notNull(),
    toState: text('to_state').notNull(),
    eventType: text('event_type').notNull(),
    event: jsonb('event').notNull(),
    /** The rejection or termination reason from the fixed lists, when the event has one. */
    reasonCode: text('reason_code'),
    by: text('by').notNull(),
    at: ts('at').notNull(),
    reason: text('reason').notNull(),
  },
  (t) => [index('operator_transitions_operator_idx').on(t.operatorId, t.at)],
);
