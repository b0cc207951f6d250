/**
 * An operator's lifecycle: its status on `operators` (`lifecycle_state` and friends) and every move in
 * `operator_transitions`. Stored statuses and moves are checked against the lifecycle core's schemas as
 * they are read: a hand-edited row is refused, not trusted.
 */
import type postgres from 'postgres';
import { Value } from '@sinclair/typebox/value';
import type { operators, operatorTransitions } from '../db/schema/index.ts';
import { Errors } from '../errors.ts';
import { type OperatorInRegion, OperatorStatus, TransitionRecord } from '../program/index.ts';
import { parseRef } from '../refs.ts';

type StatusRow = Pick<
  typeof operators.$inferSelect,
  | 'id'
  | 'name'
  | 'tier'
  | 'region'
  | 'lifecycleState'
  | 'lifecycleSince'
  | 'suspendedFrom'
  | 'lastActiveDay'
  | 'terminationReason'
  | 'rejectionReason'
>;
/** An operator with its lifecycle status as the lifecycle core reads it. */
export type OperatorLifecycle = Pick<StatusRow, 'id' | 'name' | 'tier'> & { status: OperatorStatus };

type TransitionRow = Pick<typeof operatorTransitions.$inferSelect, 'fromState' | 'toState' | 'event' | 'by' | 'reason'> & { atMs: number };

const statusColumns = (sql: postgres.ISql) => sql`
  id::int4 as id, name, tier, region, lifecycle_state as "lifecycleState", lifecycle_since as "lifecycleSince",
  suspended_from as "suspendedFrom", last_active_day as "lastActiveDay", termination_reason as "terminationReason",
  rejection_reason as "rejectionReason"`;
const transitionColumns = (sql: postgres.ISql) => sql`
  t.from_state as "fromState", t.to_state as "toState", t.event, t.by, (extract(epoch from t.at) * 1000)::float8 as "atMs", t.reason`;

function statusOf(r: StatusRow): OperatorStatus {
  const s = {
    state: r.lifecycleState,
    since: r.lifecycleSince.getTime(),
    ...(r.suspendedFrom !== null ? { suspendedFrom: r.suspendedFrom } : {}),
    ...(r.lastActiveDay !== null ? { lastActiveDay: r.lastActiveDay } : {}),
    ...(r.terminationReason !== null ? { termination: r.terminationReason } : {}),
    ...(r.rejectionReason !== null ? { rejection: r.rejectionReason } : {}),
  };
  if (!Value.Check(OperatorStatus, s)) throw new Error(`operator ${r.name}: stored lifecycle status is not valid`);
  return s;
}

function recordOf(r: TransitionRow): TransitionRecord {
  const rec = { from: r.fromState, to: r.toState, event: r.event, by: r.by, at: r.atMs, reason: r.reason };
  if (!Value.Check(TransitionRecord, rec)) throw new Error('a stored lifecycle transition is not valid');
  return rec;
}

/** The operator `ref` names (id when all digits, else name) with its status; `lock` takes its row for update. */
export async function operatorLifecycle(sql: postgres.ISql, ref: string, lock: boolean): Promise<OperatorLifecycle> {
  const r = parseRef(ref, 'operator');
  const [row] = await sql<StatusRow[]>`
    select ${statusColumns(sql)} from operators where ${r.id !== undefined ? sql`id = ${r.id}` : sql`name = ${r.name}`}
    ${lock ? sql`for update` : sql``}`;
  if (!row) throw new Errors.NotFound(`no operator "${ref}"`);
  return { id: row.id, name: row.name, tier: row.tier, status: statusOf(row) };
}

/** An operator's moves, oldest first. */
export async function transitionsOf(sql: postgres.ISql, operatorId: number): Promise<TransitionRecord[]> {
  const rows = await sql<TransitionRow[]>`
    select ${transitionColumns(sql)} from operator_transitions t where t.operator_id = ${operatorId} order by t.at, t.id`;
  return rows.map(recordOf);
}

/** The moves of every operator who came through an application (an empty history for one who never moved), by operator. */
export async function applicantHistories(sql: postgres.ISql): Promise<TransitionRecord[][]> {
  const rows = await sql<(Omit<TransitionRow, 'fromState'> & { fromState: string | null; operatorId: number })[]>`
    select a.operator_id::int4 as "operatorId", ${transitionColumns(sql)}
    from (select distinct operator_id from applications) a
    left join operator_transitions t on t.operator_id = a.operator_id
    order by a.operator_id, t.at, t.id`;
  const histories = new Map<number, TransitionRecord[]>();
  for (const r of rows) {
    const h = histories.get(r.operatorId) ?? [];
    if (r.fromState !== null) h.push(recordOf({ ...r, fromState: r.fromState }));
    histories.set(r.operatorId, h);
  }
  return [...histories.values()];
}

/** Stores a move: the operator's new status (with its tier and plain `status`) and the record of the move. */
export async function storeMove(
  sql: postgres.ISql,
  operatorId: number,
  move: { status: OperatorStatus; tier: string; plainStatus: string; record: TransitionRecord; reasonCode: string | null },
): Promise<void> {
  const s = move.status;
  const rec = move.record;
  await sql`
    update operators set lifecycle_state = ${s.state}, lifecycle_since = ${new Date(s.since)}, suspended_from = ${s.suspendedFrom ?? null},
      last_active_day = ${s.lastActiveDay ?? null}, termination_reason = ${s.termination ?? null}, rejection_reason = ${s.rejection ?? null},
      tier = ${move.tier}, status = ${move.plainStatus}
    where id = ${operatorId}`;
  await sql`
    insert into operator_transitions (operator_id, from_state, to_state, event_type, event, reason_code, by, at, reason)
    values (${operatorId}, ${rec.from}, ${rec.to}, ${rec.event.type}, ${sql.json(rec.event as never)}, ${move.reasonCode}, ${rec.by},
            ${new Date(rec.at)}, ${rec.reason})`;
}

/**
 * Region coverage's input: every operator with a region and its lifecycle state (one small query over
 * operators). The API, /metrics and the alert cycle all read it here.
 */
export async function operatorsInRegions(sql: postgres.ISql): Promise<OperatorInRegion[]> {
  const rows = await sql<{ operatorId: number; state: string; region: string }[]>`
    select id::int4 as "operatorId", lifecycle_state as state, region from operators where region is not null`;
  return rows.flatMap((r) => {
    const state = Value.Check(OperatorStatus.properties.state, r.state) ? r.state : undefined;
    return state ? [{ operatorId: String(r.operatorId), state, region: r.region }] : [];
  });
}

/** An operator over a period: its state now, when the period began (null: not an operator yet), when it left in it. */
export type OperatorPeriodRow = Pick<typeof operators.$inferSelect, 'name' | 'tier'> & {
  state: string;
  stateAtStart: string | null;
  leftAt: Date | null;
};

/**
 * Every operator with its state now, its state when [from, to) began (null: not an operator yet) and
 * when it moved to `leaving` within the period (the monthly program report).
 */
export function operatorStatesOver(sql: postgres.ISql, from: number, to: number, leaving: string): Promise<OperatorPeriodRow[]> {
  return sql<OperatorPeriodRow[]>`
    select o.name, o.tier, o.lifecycle_state as state,
      coalesce(
        (select t.to_state from operator_transitions t where t.operator_id = o.id and t.at < ${new Date(from)}
          order by t.at desc, t.id desc limit 1),
        (select t.from_state from operator_transitions t where t.operator_id = o.id and t.at >= ${new Date(from)}
          order by t.at, t.id limit 1),
        case when o.lifecycle_since < ${new Date(from)} then o.lifecycle_state end) as "stateAtStart",
      (select min(t.at) from operator_transitions t where t.operator_id = o.id and t.to_state = ${leaving}
        and t.at >= ${new Date(from)} and t.at < ${new Date(to)}) as "leftAt"
    from operators o order by o.name`;
}
