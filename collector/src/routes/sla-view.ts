/** The SLA part of every uptime view (node, operator, region, fleet): threshold, budget, projection. */
import { Type, type Static } from '@sinclair/typebox';
import type { Figures } from '../services/sla.ts';
import { monthOf, type Thresholds } from '../sla/budget.ts';

const sec = (ms: number) => ms / 1000;

export const SlaFields = {
  thresholdPct: Type.Number({ description: 'the SLA percent this figure is held to (operator tier, or the fleet target)' }),
  budget: Type.Object(
    {
      month: Type.String({ description: 'the calendar month (UTC) the budget is for: a ?month= window\'s own, else the current month' }),
      allowedDownSeconds: Type.Number({ description: 'DOWN the month may contain and still meet the threshold' }),
      usedDownSeconds: Type.Number(),
      leftSeconds: Type.Number({ description: 'negative once the month can no longer meet the threshold' }),
      final: Type.Boolean({ description: 'the month has ended' }),
    },
    { additionalProperties: false },
  ),
  projection: Type.Object(
    {
      ratio: Type.Union([Type.Number(), Type.Null()], { description: 'month-end ratio: the month so far plus the rest at the rolling 30-day ratio' }),
      downSeconds: Type.Number(),
      meetsThreshold: Type.Union([Type.Boolean(), Type.Null()]),
    },
    { additionalProperties: false },
  ),
};

const SlaObject = Type.Object(SlaFields);

/** The SLA part of an uptime view (threshold, budget, projection) in seconds. */
export function slaView(f: Pick<Figures, 'thresholdPct' | 'budget'>): Static<typeof SlaObject> {
  const b = f.budget;
  return {
    thresholdPct: f.thresholdPct,
    budget: { month: monthOf(b.month.start).name, allowedDownSeconds: sec(b.allowedDownMs), usedDownSeconds: sec(b.usedDownMs), leftSeconds: sec(b.leftMs), final: b.final },
    projection: { ratio: b.projection.ratio, downSeconds: sec(b.projection.downMs), meetsThreshold: b.projection.meetsThreshold },
  };
}

export function thresholdsOf(config: { sla: { tiers: Thresholds['tiers']; fleetTargetPct: number } }): Thresholds {
  return { tiers: config.sla.tiers, fleetTargetPct: config.sla.fleetTargetPct };
}

