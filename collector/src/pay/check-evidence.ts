/** Evidence validation: the schema, then the facts that must hold together. Lists every problem. */
import { checker } from '@timmy/shared';
import { OperatorEvidence, PartnerEvidence } from './evidence.ts';
import { pointerToPath, type Problem } from './errors.ts';
import { DAY_MS, dayStart, type Month } from './month.ts';

const operatorSchema = checker(OperatorEvidence);
const partnerSchema = checker(PartnerEvidence);

/** When a still-owned span ends and when owning may start: the operator's active period within the month. */
export function activePeriod(month: Month, op: { activeSince: string; lastActiveDay: string | null }) {
  return {
    start: Math.max(month.start, dayStart(op.activeSince)),
    end: Math.min(month.end, op.lastActiveDay === null ? month.end : dayStart(op.lastActiveDay) + DAY_MS),
  };
}

export function evidenceProblems(evidence: unknown, month: Month): Problem[] {
  const subject = (evidence as { subject?: unknown } | null)?.subject;
  if (subject === 'operator') {
    const schema = operatorSchema.problems(evidence, 100).map((p) => ({ path: pointerToPath(p.path), message: p.message }));
    return schema.length
      ? schema
      : [...operatorFacts(evidence as OperatorEvidence, month), ...adjustmentFacts(evidence as OperatorEvidence)];
  }
  if (subject === 'partner') {
    const schema = partnerSchema.problems(evidence, 100).map((p) => ({ path: pointerToPath(p.path), message: p.message }));
    return schema.length ? schema : [...partnerFacts(evidence as PartnerEvidence, month), ...adjustmentFacts(evidence as PartnerEvidence)];
  }
  return [{ path: 'subject', message: 'expected "operator" or "partner"' }];
}

function adjustmentFacts(ev: { adjustments?: Array<{ id: string }> }): Problem[] {
  return (ev.adjustments ?? []).flatMap((a, i, all) =>
    all.findIndex((b) => b.id === a.id) !== i ? [{ path: `adjustments[${i}].id`, message: `adjustment ${a.id} is listed twice` }] : [],
  );
}

function validDay(day: string, path: string, out: Problem[]): boolean {
  try {
    dayStart(day);
    return true;
  } catch (e) {
    out.push({ path, message: (e as Error).message });
    return false;
  }
}

function operatorFacts(ev: OperatorEvidence, month: Month): Problem[] {
  const out: Problem[] = [];
  const op = ev.operator;
  const daysOk =
    validDay(op.activeSince, 'operator.activeSince', out) &&
    (op.lastActiveDay === null || validDay(op.lastActiveDay, 'operator.lastActiveDay', out));
  if (!daysOk) return out;
  if (op.lastActiveDay !== null && op.lastActiveDay < op.activeSince)
    out.push({ path: 'operator.lastActiveDay', message: 'is before activeSince' });
  const active = activePeriod(month, op);
  const seen = new Set<string>();
  ev.nodes.forEach((node, n) => {
    if (seen.has(node.nodeId)) out.push({ path: `nodes[${n}].nodeId`, message: `node ${node.nodeId} is listed twice` });
    seen.add(node.nodeId);
    let previousEnd = -Infinity;
    node.spans.forEach((span, s) => {
      const path = `nodes[${n}].spans[${s}]`;
      const end = span.to ?? active.end;
      if (span.from % 1000 !== 0 || end % 1000 !== 0) out.push({ path, message: 'from and to must be whole seconds' });
      if (span.from < active.start)
        out.push({
          path: `${path}.from`,
          message: `starts before the operator's active period in ${month.id} (${new Date(active.start).toISOString()})`,
        });
      if (end > active.end)
        out.push({
          path: `${path}.to`,
          message: `ends after the operator's active period in ${month.id} (${new Date(active.end).toISOString()})`,
        });
      if (end <= span.from) out.push({ path, message: 'is empty or ends before it starts' });
      if (span.from < previousEnd) out.push({ path, message: 'overlaps the previous span or is out of order' });
      previousEnd = end;
      const stateSeconds = span.upSeconds + span.downSeconds + span.unknownSeconds + span.maintenanceSeconds;
      if (stateSeconds * 1000 > end - span.from)
        out.push({ path, message: `holds ${stateSeconds} s of states in ${(end - span.from) / 1000} s of ownership` });
    });
  });
  const sources = new Set<string>();
  ev.tasks.forEach((t, i) => {
    if (t.completed > t.assigned) out.push({ path: `tasks[${i}]`, message: `completed (${t.completed}) exceeds assigned (${t.assigned})` });
    if (sources.has(t.sourceId)) out.push({ path: `tasks[${i}].sourceId`, message: `import ${t.sourceId} is listed twice` });
    sources.add(t.sourceId);
  });
  ev.incidents.forEach((inc, i) => {
    if (inc.openedAt < month.start || inc.openedAt >= month.end)
      out.push({ path: `incidents[${i}].openedAt`, message: `not in ${month.id}` });
    if (inc.acknowledgedAt !== null && inc.acknowledgedAt < inc.openedAt)
      out.push({ path: `incidents[${i}].acknowledgedAt`, message: 'is before openedAt' });
  });
  return out;
}

function partnerFacts(ev: PartnerEvidence, month: Month): Problem[] {
  const out: Problem[] = [];
  const referred = new Set<string>();
  ev.referrals.forEach((r, i) => {
    validDay(r.referredOn, `referrals[${i}].referredOn`, out);
    if (referred.has(r.operatorId)) out.push({ path: `referrals[${i}].operatorId`, message: `operator ${r.operatorId} is referred twice` });
    referred.add(r.operatorId);
  });
  const stated = new Set<string>();
  ev.referredStatements.forEach((st, i) => {
    const path = `referredStatements[${i}]`;
    if (st.month !== month.id) out.push({ path: `${path}.month`, message: `is ${st.month}, expected ${month.id}` });
    if (st.subject.kind !== 'operator') out.push({ path: `${path}.subject`, message: 'is not an operator statement' });
    else if (!referred.has(st.subject.id))
      out.push({ path: `${path}.subject.id`, message: `operator ${st.subject.id} is not among the referrals` });
    else if (stated.has(st.subject.id)) out.push({ path: `${path}.subject.id`, message: `a second statement for ${st.subject.id}` });
    stated.add(st.subject.id);
  });
  return out;
}
