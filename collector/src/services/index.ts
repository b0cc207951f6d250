/** Wires the collector's services from config + database. The one place they are constructed. */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { slaTimings, type Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Metrics } from '../metrics/registry.ts';
import { CredentialStore, credentialPolicy } from '../auth/credentials.ts';
import { IngestWriter } from './ingest-writer.ts';
import { StandbyGate } from './standby-gate.ts';
import { IngestService } from './ingest.ts';
import { ObservationRecorder } from './observation.ts';
import { IngestWatch } from './ingest-watch.ts';
import { Settler } from './settle.ts';
import { createAlertService } from '../alerts/service.ts';
import { alertMetrics } from '../alerts/metrics.ts';
import { createProgramServices } from './program.ts';
import { PayService } from '../pay-service/service.ts';
import { ReportService } from './reports.ts';
import { NodeEvents } from './node-events.ts';
import { PastNodeDays, RegionDaysCache } from './uptime-days.ts';

export function createServices(config: Config, database: Database, clock: Clock, log: Logger, metrics: Metrics) {
  const t = slaTimings(config);
  const credentials = new CredentialStore(database.sql, database.ingest, credentialPolicy(config.credentials));
  const gate = config.ingest.confirmStandby
    ? new StandbyGate(
        database.ingest,
        { quietMs: config.ingest.standbyQuietS * 1000, waitMs: config.ingest.standbyWaitS * 1000 },
        log.child({ component: 'standby-gate' }),
      )
    : null;
  if (gate) gate.onWait = (outcome) => metrics.ingestStandbyWaits.inc({ outcome });
  const writer = new IngestWriter(
    database.ingest,
    {
      graceMs: t.graceMs,
      maxRows: config.ingest.flushMaxRows,
      delayMs: config.ingest.flushDelayMs,
      maxConcurrent: config.ingest.flushConcurrency,
      checkRefreshMs: config.ingest.checkRefreshS * 1000,
    },
    log.child({ component: 'ingest' }),
    gate,
  );
  writer.onFlush = (rows, ms) => {
    metrics.ingestFlush.observe(rows);
    metrics.ingestFlushSeconds.observe(ms / 1000);
  };
  const rawMs = config.retention.rawHours * 3_600_000;
  const watch = new IngestWatch(clock);
  const ingest = new IngestService(
    database.ingest,
    writer,
    credentials,
    metrics,
    { freshMs: t.freshMs, maxFutureMs: config.ingest.maxFutureSkewS * 1000, maxAgeMs: rawMs },
    watch,
  );
  // A commit in flight for three beats is a stalled ingest path: the collector stops claiming to observe.
  const observation = new ObservationRecorder(
    database.sql,
    clock,
    t.beatMs,
    log.child({ component: 'observation' }),
    () => writer.blocked(t.beatMs * 3),
    watch,
  );
  const settler = new Settler(database.sql, observation, {
    graceMs: t.graceMs,
    restartGraceMs: t.restartGraceMs,
    maxLookbackMs: rawMs,
    batch: 500,
  });
  settler.onSettled = (n) => metrics.settleNodes.inc(n);
  const alerts = createAlertService(
    config,
    database,
    clock,
    observation,
    alertMetrics(metrics.registry),
    log.child({ component: 'alerts' }),
  );
  const program = createProgramServices(database.sql);
  const pay = new PayService(database.sql, config.pay, clock);
  const reports = new ReportService(database.sql, pay, clock);
  const events = new NodeEvents(database.sql, clock, log.child({ component: 'events' }));
  const regionDays = new RegionDaysCache(database.sql);
  const pastNodeDays = new PastNodeDays();
  return { credentials, writer, ingest, observation, settler, alerts, program, pay, reports, events, regionDays, pastNodeDays, timings: t };
}
export type Services = ReturnType<typeof createServices>;
