/**
 * Node transfers: a node belongs to one operator at a time, from one dated transfer to the next.
 * A transfer takes effect now or at a past time in an open month, after the node's last transfer;
 * the whole history is checked by the program core (`transferProblems`: order, registration, whole
 * seconds, a change of owner) and every problem is listed.
 */
import type postgres from 'postgres';
import { Errors } from '../errors.ts';
import { ProgramInputError, transferProblems } from '../program/index.ts';
import { insertTransfers, lockNode, nodeTransfers, transfersOf, type NewTransfer, type TransferDetail } from '../stores/ownership.ts';
import { assertOpenAt } from './months.ts';

export interface TransferRequest {
  node: { id: number; name: string; operatorId: number | null; createdAt: Date };
  /** The new owner's id and name, or null: nobody owns the node from `at` on. */
  to: { id: number; name: string } | null;
  at: number;
  by: string;
  reason: string;
}

export interface TransferView {
  at: string;
  operator: string | null;
  by: string;
  reason: string;
}

export const transferView = (t: TransferDetail): TransferView => ({
  at: t.at.toISOString(),
  operator: t.operator,
  by: t.by,
  reason: t.reason,
});

export async function transferNode(sql: postgres.Sql, r: TransferRequest, now: number): Promise<TransferView[]> {
  if (r.at > now)
    throw new Errors.BadRequest('a transfer takes effect now or in the past (at must not be in the future): record it when it happens');
  await assertOpenAt(sql, r.at, 'the transfer');
  return sql.begin(async (tx) => {
    await lockNode(tx, r.node.id);
    const recorded = await transfersOf(tx, [r.node.id]);
    const registeredAt = Math.floor(r.node.createdAt.getTime() / 1000) * 1000;
    // Before the first recorded transfer the node belonged to its operator since registration: write that down too.
    const implicit: NewTransfer[] =
      recorded.length || r.node.operatorId === null
        ? []
        : [
            {
              nodeId: r.node.id,
              at: new Date(registeredAt),
              operatorId: r.node.operatorId,
              by: 'registration',
              reason: 'owner at registration',
            },
          ];
    const history = [...recorded, ...implicit].map((t) => ({
      to: t.operatorId === null ? null : String(t.operatorId),
      at: t.at.getTime(),
    }));
    const next = { to: r.to === null ? null : String(r.to.id), at: r.at, by: r.by, reason: r.reason };
    const problems = transferProblems({ nodeId: r.node.name, registeredAt, transfers: [...history, next] });
    if (problems.length)
      throw Object.assign(new Errors.BadRequest(new ProgramInputError(`cannot transfer node ${r.node.name}`, problems).message), {
        details: problems,
      });
    await insertTransfers(
      tx,
      [...implicit, { nodeId: r.node.id, at: new Date(r.at), operatorId: r.to?.id ?? null, by: r.by, reason: r.reason }],
      new Date(now),
    );
    return (await nodeTransfers(tx, r.node.id)).map(transferView);
  });
}
