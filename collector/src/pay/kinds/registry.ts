/** The one list of line-item kinds. Adding a kind: one new file, its test, one line here. */
import type { LineKind } from './kind.ts';
import operatorBase from './operator-base.ts';
import extraNodes from './extra-nodes.ts';
import nodeBase from './node-base.ts';
import uptimeBonus from './uptime-bonus.ts';
import taskBonus from './task-bonus.ts';
import ackBonus from './ack-bonus.ts';
import retentionBonus from './retention-bonus.ts';
import downtimeDeduction from './downtime-deduction.ts';
import referralCommission from './referral-commission.ts';
import referralCommissionTiered from './referral-commission-tiered.ts';

// Each kind has its own parameter schema and context; the registry only needs the common shape.
// biome-ignore lint/suspicious/noExplicitAny: one list holds definitions of different option types
export const lineKinds: ReadonlyArray<LineKind<any, any>> = [
  operatorBase,
  extraNodes,
  nodeBase,
  uptimeBonus,
  taskBonus,
  ackBonus,
  retentionBonus,
  downtimeDeduction,
  referralCommission,
  referralCommissionTiered,
];

// biome-ignore lint/suspicious/noExplicitAny: one list holds definitions of different option types
export function findKind(kind: string): LineKind<any, any> | undefined {
  return lineKinds.find((k) => k.kind === kind);
}
