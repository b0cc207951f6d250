/**
 * The operator program's use cases over PostgreSQL: people and their tokens (this file), applications,
 * lifecycle transitions and partners (program-*.ts next to it). The rules are the pure cores'
 * (program/, pay/eligibility.ts); this only loads, calls them and stores what they return.
 */
import type postgres from 'postgres';
import { Errors } from '../errors.ts';
import { DEFAULT_TOKEN_TTL_DAYS, PERSON_ROLES, type PersonRole, issueToken } from '../program/index.ts';
import { PeopleStore, type PersonRow } from '../stores/people.ts';
import { resolveOperator } from '../stores/operators.ts';
import { resolvePartner } from '../stores/partners.ts';
import { ResourceOwners } from '../stores/resource-owners.ts';
import { SessionStore } from '../stores/sessions.ts';
import { TokenStore, type TokenRow } from '../stores/tokens.ts';
import { ProgramOperators } from './program-operators.ts';

export interface NewPerson {
  name: string;
  email?: string;
  role: PersonRole;
  /** For an operator: which one (name or id). */
  operator?: string;
  /** For a partner: which one (name or id). */
  partner?: string;
}

export class PeopleService {
  readonly people: PeopleStore;
  readonly tokens: TokenStore;
  private readonly sql: postgres.Sql;
  constructor(sql: postgres.Sql, people: PeopleStore, tokens: TokenStore) {
    this.sql = sql;
    this.people = people;
    this.tokens = tokens;
  }

  /** Add a person; an operator names their operator, a partner their partner, nobody else either. */
  async add(p: NewPerson, by: string, now: number): Promise<PersonRow> {
    if (!PERSON_ROLES.includes(p.role)) throw new Errors.BadRequest(`role must be one of ${PERSON_ROLES.join(', ')}`);
    if ((p.role === 'operator') !== (p.operator !== undefined))
      throw new Errors.BadRequest('an operator person names their operator (operator), and only an operator person does');
    if ((p.role === 'partner') !== (p.partner !== undefined))
      throw new Errors.BadRequest('a partner person names their partner (partner), and only a partner person does');
    const operatorId = p.operator === undefined ? null : (await resolveOperator(this.sql, p.operator)).id;
    const partnerId = p.partner === undefined ? null : (await resolvePartner(this.sql, p.partner)).id;
    const id = await this.people.insert({
      name: p.name,
      email: p.email ?? null,
      role: p.role,
      operatorId,
      partnerId,
      createdBy: by,
      at: now,
    });
    if (id === 0) throw new Errors.Conflict(`a person named "${p.name}" exists already`);
    return (await this.people.find(String(id)))!;
  }

  async person(ref: string): Promise<PersonRow> {
    const p = await this.people.find(ref);
    if (!p) throw new Errors.NotFound(`no person "${ref}"`);
    return p;
  }

  /** A new token for a person, with their role: the token is in the answer once and never stored. */
  async issueToken(
    personRef: string,
    opts: { ttlDays?: number; label?: string },
    by: string,
    now: number,
  ): Promise<{ token: string; row: TokenRow }> {
    const person = await this.person(personRef);
    const role = PERSON_ROLES.find((r) => r === person.role);
    if (!role) throw new Errors.Conflict(`person "${person.name}" has no role a token can carry`);
    const { token, stored } = issueToken({ personId: String(person.id), role, now, ttlDays: opts.ttlDays ?? DEFAULT_TOKEN_TTL_DAYS });
    const id = await this.tokens.insert(stored, { label: opts.label ?? null, issuedBy: by });
    return { token, row: (await this.tokens.get(id))! };
  }

  async listTokens(personRef?: string): Promise<TokenRow[]> {
    return this.tokens.list(personRef === undefined ? {} : { personId: (await this.person(personRef)).id });
  }

  async revokeToken(id: number, by: string, now: number): Promise<{ row: TokenRow; changed: boolean }> {
    const changed = await this.tokens.revoke(id, by, now);
    const row = await this.tokens.get(id);
    if (!row) throw new Errors.NotFound(`no token ${id}`);
    return { row, changed };
  }
}

export function createProgramServices(sql: postgres.Sql) {
  const people = new PeopleStore(sql);
  const tokens = new TokenStore(sql);
  return {
    people: new PeopleService(sql, people, tokens),
    tokens,
    owners: new ResourceOwners(sql),
    sessions: new SessionStore(sql),
    operators: new ProgramOperators(sql),
  };
}
export type ProgramServices = ReturnType<typeof createProgramServices>;
