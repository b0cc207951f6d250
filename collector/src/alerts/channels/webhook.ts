/**
 * Generic webhook with an Alertmanager-compatible JSON payload (webhook_config, version "4"), so
 * existing Alertmanager receivers work unchanged. One alert per node of the incident (or one for
 * the operator, or for the region of a region's own incident), grouped by the incident key; `status` is `resolved` only on the resolved
 * transition. Our own fields (transition, incident id, acknowledge link) go in annotations.
 *
 * Optional HMAC-SHA256 signature: header `X-Timmy-Signature: t=<unix seconds>,v1=<hex>` over
 * `<t>.<body>`, plus `Idempotency-Key` on every request.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Channel, Notification } from './channel.ts';
import type { WebhookConfig } from './schemas.ts';
import { postJson } from './http.ts';

const ZERO_TIME = '0001-01-01T00:00:00Z';

function fingerprint(labels: Record<string, string>): string {
  const canon = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\xff');
  return createHash('sha256').update(canon).digest('hex').slice(0, 16);
}

function common(objs: Array<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = objs;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((o) => o[k] === v)));
}

/** The Alertmanager webhook v4 payload for one notification. */
export function alertmanagerPayload(n: Notification, cfg: Pick<WebhookConfig, 'receiver' | 'externalUrl' | 'maxAlerts'>) {
  const status = n.transition === 'resolved' ? 'resolved' : 'firing';
  const base = { alertname: 'TimmyFleetIncident', severity: n.severity, incident: n.incidentKey };
  const annotations: Record<string, string> = {
    summary: n.summary,
    transition: n.transition,
    incident_id: n.incidentId,
    ...(n.flapping ? { flapping: 'true' } : {}),
    ...(n.ackUrl ? { ack_url: n.ackUrl } : {}),
    ...(n.incidentUrl ? { incident_url: n.incidentUrl } : {}),
    ...(n.cause ? { cause: n.cause } : {}),
    ...(n.resolution ? { resolution: n.resolution } : {}),
    ...(n.detail ? { detail: n.detail } : {}),
  };
  const subjects = n.nodes.length
    ? n.nodes.map((x) => ({ ...base, node: x.id, region: x.region, operator: x.operatorId }))
    : n.operatorIds.length
      ? n.operatorIds.map((op) => ({ ...base, operator: op }))
      : n.regions.map((region) => ({ ...base, region }));
  const all = subjects.map((labels) => ({
    status,
    labels,
    annotations,
    startsAt: new Date(n.openedAt).toISOString(),
    endsAt: n.resolvedAt !== null && status === 'resolved' ? new Date(n.resolvedAt).toISOString() : ZERO_TIME,
    generatorURL: n.incidentUrl ?? '',
    fingerprint: fingerprint(labels),
  }));
  const alerts = cfg.maxAlerts > 0 ? all.slice(0, cfg.maxAlerts) : all;
  const groupLabels = { incident: n.incidentKey };
  return {
    version: '4',
    groupKey: `{}:{incident="${n.incidentKey}"}`,
    truncatedAlerts: all.length - alerts.length,
    status,
    receiver: cfg.receiver,
    groupLabels,
    commonLabels: common(all.map((a) => a.labels)),
    commonAnnotations: annotations,
    externalURL: cfg.externalUrl,
    alerts,
  };
}

export function sign(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

export function createWebhookChannel(cfg: WebhookConfig, deps: { now?: () => number } = {}): Channel {
  const now = deps.now ?? Date.now;
  return {
    name: cfg.name,
    type: 'webhook',
    async send(n, opts) {
      const body = JSON.stringify(alertmanagerPayload(n, cfg));
      const headers: Record<string, string> = { 'idempotency-key': n.idempotencyKey };
      if (cfg.hmacSecret) headers[cfg.signatureHeader.toLowerCase()] = sign(cfg.hmacSecret, body, Math.floor(now() / 1000));
      return postJson(cfg.url, body, { headers, timeoutMs: cfg.timeoutMs, signal: opts?.signal });
    },
  };
}
