/**
 * Who owns what a request reaches for, for the access check: a node's operator, an operator itself,
 * an incident's operators, a partner. Each answer also names the partner who referred the operator
 * (a partner sees their referred operators' summaries). `null`: no such resource.
 */
import type postgres from 'postgres';
import type { ResourceOwner } from '../program/index.ts';
import { parseRef } from '../refs.ts';

interface OwnerRow {
  operatorId: number | null;
  partnerId: number | null;
}

const owner = (r: OwnerRow | undefined): ResourceOwner | null =>
  r
    ? { operatorId: r.operatorId === null ? null : String(r.operatorId), partnerId: r.partnerId === null ? null : String(r.partnerId) }
    : null;

export class ResourceOwners {
  private readonly sql: postgres.Sql;
  constructor(sql: postgres.Sql) {
    this.sql = sql;
  }

  /** `t.id = …` or `t.name = …`: the row `ref` names (an id when all digits, else a name). */
  private where(ref: string, what: string): postgres.Fragment {
    const r = parseRef(ref, what);
    return r.id !== undefined ? this.sql`t.id = ${r.id}` : this.sql`t.name = ${r.name}`;
  }

  /** The operator `operatorId` (a column of `table` aliased `t`) of the row `where` picks, and the partner who referred it. */
  private async ownerOf(table: 'nodes' | 'operators', operatorId: postgres.Fragment, where: postgres.Fragment) {
    const [row] = await this.sql<OwnerRow[]>`
      select ${operatorId}::int4 as "operatorId", rf.partner_id::int4 as "partnerId"
      from ${this.sql(table)} t left join referrals rf on rf.operator_id = ${operatorId} where ${where}`;
    return owner(row);
  }

  node(ref: string): Promise<ResourceOwner | null> {
    return this.ownerOf('nodes', this.sql`t.operator_id`, this.where(ref, 'node'));
  }

  operator(ref: string): Promise<ResourceOwner | null> {
    return this.ownerOf('operators', this.sql`t.id`, this.where(ref, 'operator'));
  }

  async partner(ref: string): Promise<ResourceOwner | null> {
    const [row] = await this.sql<OwnerRow[]>`
      select null::int4 as "operatorId", t.id::int4 as "partnerId" from partners t where ${this.where(ref, 'partner')}`;
    return owner(row);
  }

  /** An incident covers one or more operators (by name): `principalOperatorId` is chosen when it is one of them. */
  async incident(id: string, principalOperatorId: string | undefined): Promise<ResourceOwner | null> {
    const rows = await this.sql<{ exists: boolean; operatorId: number | null }[]>`
      select true as exists, o.id::int4 as "operatorId"
      from incidents i left join lateral jsonb_array_elements_text(i.operator_ids) as n(name) on true left join operators o on o.name = n.name
      where i.id = ${id}`;
    if (rows.length === 0) return null;
    const ids = rows.flatMap((r) => (r.operatorId === null ? [] : [String(r.operatorId)]));
    return { operatorId: ids.find((o) => o === principalOperatorId) ?? ids[0] ?? null };
  }
}
