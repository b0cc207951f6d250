/**
 * PagerDuty Events API v2 (POST /v2/enqueue): opened/updated/flapping/escalated -> `trigger`,
 * acknowledged -> `acknowledge`, resolved -> `resolve`, all with `dedup_key` = the incident id so
 * they land on one PagerDuty alert. `target_missed` is not sent (PagerDuty tracks its own).
 * The routing key is a secret (in the body only, never logged). Answers: 202 success; 400 invalid
 * (permanent); 429 and 5xx retry. The URL is configurable (tests, EU endpoint).
 */
import type { Channel, Notification } from './channel.ts';
import type { PagerDutyConfig } from './schemas.ts';
import { truncate } from './format.ts';
import { postJson } from './http.ts';

const SEVERITY = { P0: 'critical', P1: 'critical', P2: 'error', P3: 'warning' } as const;

export function pagerDutyEvent(n: Notification, cfg: Pick<PagerDutyConfig, 'routingKey' | 'source'>) {
  const dedup_key = truncate(n.incidentId, 255);
  if (n.transition === 'acknowledged' || n.transition === 'resolved') {
    return { routing_key: cfg.routingKey, event_action: n.transition === 'acknowledged' ? 'acknowledge' : 'resolve', dedup_key };
  }
  // A missed target and a scheduled report are not pages.
  if (n.transition === 'target_missed' || n.transition === 'report') return null;
  return {
    routing_key: cfg.routingKey,
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: truncate(`[${n.severity}] ${n.flapping ? 'FLAPPING ' : ''}${n.incidentKey}: ${n.summary}`, 1024),
      source: n.nodes.length === 1 ? n.nodes[0]!.id : cfg.source,
      severity: SEVERITY[n.severity],
      timestamp: new Date(n.at).toISOString(),
      component: n.nodes.length ? 'node' : 'operator',
      group: n.regions.join(',') || 'fleet',
      class: n.transition,
      custom_details: {
        incident_id: n.incidentId,
        incident_key: n.incidentKey,
        nodes: n.nodes.map((x) => x.id),
        regions: n.regions,
        operators: n.operatorIds,
        flapping: n.flapping,
        ...(n.detail ? { detail: n.detail } : {}),
      },
    },
    client: 'Timmy Fleet',
    ...(n.incidentUrl ? { client_url: n.incidentUrl } : {}),
    ...(n.ackUrl ? { links: [{ href: n.ackUrl, text: 'Acknowledge' }] } : {}),
  };
}

export function createPagerDutyChannel(cfg: PagerDutyConfig): Channel {
  return {
    name: cfg.name,
    type: 'pagerduty',
    async send(n, opts) {
      const ev = pagerDutyEvent(n, cfg);
      if (!ev) return { ok: true, skipped: true };
      return postJson(cfg.url, ev, {
        timeoutMs: cfg.timeoutMs,
        signal: opts?.signal,
        okFromBody: (b) => b === undefined || (b as { status?: unknown }).status === 'success',
      });
    },
  };
}
