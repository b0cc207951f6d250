/** Text every chat channel shares: a title line and a few detail lines, plain text. */
import type { Notification } from './channel.ts';

const VERB: Record<Notification['transition'], string> = {
  opened: 'OPEN',
  updated: 'UPDATED',
  flapping: 'FLAPPING',
  acknowledged: 'ACKNOWLEDGED',
  escalated: 'ESCALATED (not acknowledged)',
  resolved: 'RESOLVED',
  target_missed: 'TARGET MISSED',
  report: 'REPORT',
};

export function title(n: Notification): string {
  return `[${n.severity}] ${VERB[n.transition]}: ${n.incidentKey}`;
}

export function detailLines(n: Notification): string[] {
  const lines = [n.summary];
  if (n.nodes.length) lines.push(`nodes (${n.nodes.length}): ${n.nodes.map((x) => x.id).join(', ')}`);
  if (n.regions.length) lines.push(`regions: ${n.regions.join(', ')}`);
  if (n.operatorIds.length) lines.push(`operators: ${n.operatorIds.join(', ')}`);
  lines.push(`opened: ${new Date(n.openedAt).toISOString()}`);
  if (n.resolvedAt !== null) lines.push(`resolved: ${new Date(n.resolvedAt).toISOString()}`);
  if (n.acknowledgedBy) lines.push(`acknowledged by: ${n.acknowledgedBy}`);
  if (n.cause) lines.push(`cause: ${n.cause}`);
  if (n.resolution) lines.push(`resolution: ${n.resolution}`);
  if (n.detail) lines.push(n.detail);
  if (n.ackUrl && n.transition !== 'resolved' && n.transition !== 'acknowledged') lines.push(`acknowledge: ${n.ackUrl}`);
  if (n.incidentUrl) lines.push(`incident: ${n.incidentUrl}`);
  return lines;
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}

export function plainText(n: Notification, max = 4000): string {
  return truncate([title(n), ...detailLines(n)].join('\n'), max);
}
