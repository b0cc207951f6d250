/**
 * Every metric prefixed `timmy_`, in base units. Process, ingest and job metrics live on one prom-client
 * Registry; the fleet gauges (tens of thousands of per-node series) are written as text by sources added
 * with `addSource` (see fleet.ts), computed at scrape time from the database, so every collector answers
 * the same numbers. `exposition()` is what GET /metrics serves: the registry's text, then each source's.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client's `*_total` gauges break Prometheus naming (promtool: "non-counter metrics should not
  // have _total suffix"); the same counts stay exposed per type as nodejs_active_{handles,requests,resources}.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
    registry.removeSingleMetric(name);
  const sources: Array<() => Promise<string>> = [];
  /** The registry's text: this process's, or every collector process's aggregated (cluster.ts). */
  let registryText = () => registry.metrics();
  const m = {
    registry,
    /** With several collector processes on one port: the registry part of a scrape comes from all of them. */
    useRegistryText(text: () => Promise<string>): void {
      registryText = text;
    },
    /** Adds text (whole metric families, none of them on the registry) to every exposition. */
    addSource(render: () => Promise<string>): void {
      sources.push(render);
    },
    async exposition(): Promise<string> {
      return (await Promise.all([registryText(), ...sources.map((s) => s())])).join('\n');
    },
    ingestReports: new Counter({
      name: 'timmy_ingest_reports_total',
      help: 'Reports received, by result (accepted, rejected).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    ingestSamples: new Counter({
      name: 'timmy_ingest_samples_total',
      help: 'Samples received, by result (stored, duplicate, rejected).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    ingestRejections: new Counter({
      name: 'timmy_ingest_rejections_total',
      help: 'Requests or samples refused, by stable error code.',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    ingestDuration: new Histogram({
      name: 'timmy_ingest_request_duration_seconds',
      help: 'Time from receiving a report to acknowledging it (after commit).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    ingestFlush: new Histogram({
      name: 'timmy_ingest_flush_rows',
      help: 'Samples written per group commit.',
      buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000],
      registers: [registry],
    }),
    ingestFlushSeconds: new Histogram({
      name: 'timmy_ingest_flush_duration_seconds',
      help: 'Time one group-commit transaction took.',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    ingestStandbyWaits: new Counter({
      name: 'timmy_ingest_standby_waits_total',
      help: 'Commits that waited for a standby to flush them before being acknowledged: confirmed, or refused (the senders retry).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    settleNodes: new Counter({
      name: 'timmy_settle_nodes_total',
      help: 'Node timelines recomputed by the settle job.',
      registers: [registry],
    }),
    jobErrors: new Counter({
      name: 'timmy_job_errors_total',
      help: 'Periodic job runs that failed, by job.',
      labelNames: ['job'] as const,
      registers: [registry],
    }),
    observing: new Gauge({
      name: 'timmy_collector_observing',
      help: '1 while this collector is recording its observation span (its database answers).',
      // Several collector processes (cluster.ts): 1 only while every one of them observes.
      aggregator: 'min',
      registers: [registry],
    }),
    httpErrors: new Counter({
      name: 'timmy_http_errors_total',
      help: 'HTTP error replies, by status code and stable error code.',
      labelNames: ['status', 'code'] as const,
      registers: [registry],
    }),
  };
  return m;
}
export type Metrics = ReturnType<typeof createMetrics>;
