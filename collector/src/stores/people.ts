/**
 * People who reach the collector with their own tokens (partners and their referrals: partners.ts).
 * Plain SQL through postgres.js; rows typed from the drizzle tables.
 */
import type postgres from 'postgres';
import type { people } from '../db/schema/index.ts';
import type { PersonRole } from '../program/index.ts';

type PersonTable = typeof people.$inferSelect;
/** A person as the API shows them, with the operator or partner they are (by name too). */
export type PersonRow = Pick<PersonTable, 'id' | 'name' | 'email' | 'role' | 'operatorId' | 'partnerId' | 'createdAt' | 'createdBy'> & {
  operatorName: string | null;
  partnerName: string | null;
};

const personColumns = (sql: postgres.Sql) => sql`
  p.id::int4 as id, p.name, p.email, p.role, p.operator_id::int4 as "operatorId", p.partner_id::int4 as "partnerId",
  p.created_at as "createdAt", p.created_by as "createdBy", o.name as "operatorName", pa.name as "partnerName"`;

export class PeopleStore {
  private readonly sql: postgres.Sql;
  constructor(sql: postgres.Sql) {
    this.sql = sql;
  }

  async insert(p: {
    name: string;
    email: string | null;
    role: PersonRole;
    operatorId: number | null;
    partnerId: number | null;
    createdBy: string;
    at: number;
  }): Promise<number> {
    const [row] = await this.sql<{ id: number }[]>`
      insert into people (name, email, role, operator_id, partner_id, created_by, created_at)
      values (${p.name}, ${p.email}, ${p.role}, ${p.operatorId}, ${p.partnerId}, ${p.createdBy}, ${new Date(p.at)})
      on conflict (name) do nothing
      returning id::int4 as id`;
    return row?.id ?? 0;
  }

  /** By id (all digits) or name; undefined when there is none. */
  async find(ref: string): Promise<PersonRow | undefined> {
    const sql = this.sql;
    const [row] = await sql<PersonRow[]>`
      select ${personColumns(sql)} from people p left join operators o on o.id = p.operator_id left join partners pa on pa.id = p.partner_id
      where ${/^\d{1,15}$/.test(ref) ? sql`p.id = ${Number(ref)}` : sql`p.name = ${ref}`}`;
    return row;
  }

  async list(): Promise<PersonRow[]> {
    const sql = this.sql;
    return sql<PersonRow[]>`
      select ${personColumns(sql)} from people p left join operators o on o.id = p.operator_id left join partners pa on pa.id = p.partner_id
      order by p.name`;
  }
}
