/** Who a person (or an anonymous reader) is to the program. The one list of roles. */
import type { Static } from '@sinclair/typebox';
import { literals } from './schema.ts';

/** Roles a person's token carries. */
export const PERSON_ROLES = ['admin', 'fleet_lead', 'finance', 'operator', 'partner'] as const;
export const PersonRole = literals(PERSON_ROLES);
export type PersonRole = Static<typeof PersonRole>;

/** Every role a route may name: the person roles and `public` (no token at all). */
export const ROLES = [...PERSON_ROLES, 'public'] as const;
export const Role = literals(ROLES);
export type Role = Static<typeof Role>;

/** Roles that see the whole fleet; the others see only what is theirs. */
export const STAFF_ROLES: readonly Role[] = ['admin', 'fleet_lead', 'finance'];
