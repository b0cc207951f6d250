/**
 * Alerting metrics, prefix `timmy_`, base units. Labels carry channel *names* and severities only:
 * never a URL, token or key.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { SEVERITIES, type Severity } from '@timmy/shared';
import type { AttemptOutcome, OutboxCounts } from './outbox.ts';

export interface AlertMetrics {
  /** One delivery attempt's outcome, per channel name. */
  recordAttempt(channel: string, outcome: AttemptOutcome['status']): void;
  setOutbox(counts: OutboxCounts): void;
  setOpenIncidents(bySeverity: Partial<Record<Severity, number>>): void;
  recordIncidentEvent(type: string, severity: Severity): void;
}

export function alertMetrics(registry: Registry): AlertMetrics {
  const registers = [registry];
  const sent = new Counter({
    name: 'timmy_alert_notifications_sent_total',
    help: 'Notifications delivered (2xx) per channel.',
    labelNames: ['channel'],
    registers,
  });
  const failed = new Counter({
    name: 'timmy_alert_notifications_failed_total',
    help: 'Failed delivery attempts per channel; outcome=retry will be retried, outcome=dead was given up.',
    labelNames: ['channel', 'outcome'],
    registers,
  });
  const retried = new Counter({
    name: 'timmy_alert_notifications_retried_total',
    help: 'Delivery retries scheduled per channel.',
    labelNames: ['channel'],
    registers,
  });
  const queued = new Gauge({
    name: 'timmy_alert_notifications_queued',
    help: 'Notifications in the outbox by status.',
    labelNames: ['status'],
    // Several collector processes (cluster.ts): each reads the same outbox and incidents; the freshest reading is the largest.
    aggregator: 'max',
    registers,
  });
  const age = new Gauge({
    name: 'timmy_alert_notifications_oldest_pending_age_seconds',
    help: 'Age of the oldest notification not yet delivered.',
    // Several collector processes (cluster.ts): each reads the same outbox and incidents; the freshest reading is the largest.
    aggregator: 'max',
    registers,
  });
  const open = new Gauge({
    name: 'timmy_incidents_open',
    help: 'Incidents open or acknowledged, by severity.',
    labelNames: ['severity'],
    // Several collector processes (cluster.ts): each reads the same outbox and incidents; the freshest reading is the largest.
    aggregator: 'max',
    registers,
  });
  const events = new Counter({
    name: 'timmy_incident_events_total',
    help: 'Incident events (opened, escalated, respond_target_missed, ...) by severity.',
    labelNames: ['type', 'severity'],
    registers,
  });
  for (const s of SEVERITIES) open.set({ severity: s }, 0);
  for (const s of ['pending', 'sending', 'dead']) queued.set({ status: s }, 0);
  age.set(0);
  return {
    recordAttempt(channel, outcome) {
      if (outcome === 'sent') sent.inc({ channel });
      else if (outcome === 'pending') {
        failed.inc({ channel, outcome: 'retry' });
        retried.inc({ channel });
      } else if (outcome === 'dead') failed.inc({ channel, outcome: 'dead' });
    },
    setOutbox(c) {
      queued.set({ status: 'pending' }, c.pending);
      queued.set({ status: 'sending' }, c.sending);
      queued.set({ status: 'dead' }, c.dead);
      age.set(c.oldestPendingAgeMs / 1000);
    },
    setOpenIncidents(by) {
      for (const s of SEVERITIES) open.set({ severity: s }, by[s] ?? 0);
    },
    recordIncidentEvent(type, severity) {
      events.inc({ type, severity });
    },
  };
}
