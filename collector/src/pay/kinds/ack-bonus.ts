/** `ack_bonus`: an amount when every critical incident of the month was acknowledged within a time. */
import { Type } from '@sinclair/typebox';
import { Prorate, monthly, zero } from './common.ts';
import { defineOperatorKind } from './kind.ts';

export default defineOperatorKind({
  kind: 'ack_bonus',
  subject: 'operator',
  summary: 'an amount when every critical incident was acknowledged within `withinMinutes` (at the limit counts as within)',
  params: Type.Object(
    {
      withinMinutes: Type.Integer({ minimum: 1 }),
      amountCents: Type.Integer({ minimum: 0 }),
      /** Which incident severities count; absent: every incident in the evidence. */
      severities: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
      /** A month without critical incidents earns the bonus (nothing was left waiting). */
      paysWithoutIncidents: Type.Boolean({ default: true }),
      prorate: Prorate,
    },
    { additionalProperties: false },
  ),
  compute(p, ctx) {
    const limitMs = p.withinMinutes * 60_000;
    const counted = ctx.incidents
      .filter((i) => !p.severities || p.severities.includes(i.severity))
      .sort((a, b) => a.openedAt - b.openedAt || (a.id < b.id ? -1 : 1));
    const refs = {
      incidents: counted.map((i) => ({
        ...i,
        ackSeconds: i.acknowledgedAt === null ? null : Math.floor((i.acknowledgedAt - i.openedAt) / 1000),
      })),
    };
    if (counted.length === 0 && !p.paysWithoutIncidents) return [zero('no_critical_incidents', 'no critical incident this month', refs)];
    const late = counted.filter((i) => i.acknowledgedAt === null || i.acknowledgedAt - i.openedAt > limitMs);
    const words = `${counted.length - late.length}/${counted.length} critical incidents acknowledged within ${p.withinMinutes} min`;
    if (late.length) return [zero('acknowledgement_late', `${words} (late: ${late.map((i) => i.id).join(', ')})`, refs)];
    const m = monthly(p.amountCents, p.prorate, ctx);
    return [
      {
        reason: counted.length ? 'all_acknowledged_in_time' : 'no_critical_incidents',
        amount: m.amount,
        formula: `${words}: ${m.formula}`,
        refs: { ...refs, ...m.refs },
      },
    ];
  },
});
