/**
 * Starting and stopping a whole collector: database (embedded or external), migrations, services,
 * periodic jobs, HTTP. Used by the CLI, the main job and end-to-end tests alike.
 */
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { accessWarning, buildApp, tlsOptions } from './app.ts';
import { clusterRegistryText, isClusterWorker } from './cluster.ts';
import { listenForChanges } from './auth/credentials.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { migrateDatabase, openDatabase } from './db/database.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from './db/embedded.ts';
import { registerFleetGauges } from './metrics/fleet.ts';
import { registerCoverageGauges } from './metrics/coverage.ts';
import { createMetrics } from './metrics/registry.ts';
import { createServices } from './services/index.ts';
import { thresholdsOf } from './services/sla.ts';
import { every } from './jobs/loop.ts';
import { runRetention } from './jobs/retention.ts';
import { runRollup } from './jobs/rollup.ts';
import { recordJobRun } from './jobs/runs.ts';
import { VERSION } from './version.ts';
import { type Listening, listenOn } from './listen.ts';
import { portFree, portInUse } from './port.ts';

/** Connections kept for the request path (Database.ingest): the writer's commits in flight plus lookups. */
const INGEST_CONNECTIONS = 8;

/**
 * Connections waiting to be accepted. After a collector restart or a failover every agent reconnects
 * within one interval (20,000 nodes: 4,000 new connections a second), and Node's default of 511
 * overflowed: each connection attempt the kernel dropped was retried by the agent's TCP a second later,
 * and every report sent on it waited that second (bench:ingest --restart: warm-up p99 about 1 s, 925 listen
 * overflows). The kernel caps it at `net.core.somaxconn` (4,096 on current kernels).
 */
export const LISTEN_BACKLOG = 4096;
export interface RunningCollector {
  url: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: ['req.headers.authorization', 'credential', 'token', 'adminToken', 'databaseUrl'], censor: '[redacted]' },
  });
}

/** Everything but the timers and the listening socket: what in-process tests drive by hand. */
export async function assemble(config: Config, databaseUrl: string, clock: Clock, log: Logger) {
  await migrateDatabase(databaseUrl);
  const database = openDatabase(databaseUrl, { max: 10, ingestMax: INGEST_CONNECTIONS });
  const metrics = createMetrics();
  registerFleetGauges(metrics, database.sql, clock, thresholdsOf(config));
  const services = createServices(config, database, clock, log, metrics);
  await services.pay.ready(); // the pay policy against the closed months: refuses to start on a change to one
  registerCoverageGauges(metrics, services.program.operators);
  const app = await buildApp({ config, database, clock, log, metrics, services, version: VERSION });
  await listenForChanges(database.sql, services.credentials);
  await services.events.start(); // live node state changes for GET /v1/events
  return { app, database, metrics, services };
}

/** The reports' calendar schedule, when channels are configured for them; delivery goes through the alert dispatcher. */
async function startReportSchedule(
  config: Config,
  sql: import('postgres').Sql,
  services: ReturnType<typeof createServices>,
  clock: Clock,
  log: Logger,
  onError: (job: string) => void,
) {
  if (!config.reports.channels.length) return null;
  const [{ ReportScheduler }, { Outbox }] = await Promise.all([import('./services/report-schedule.ts'), import('./alerts/outbox.ts')]);
  const outbox = new Outbox(sql, { workerId: services.observation.instanceId });
  const cron = { 'weekly-fleet': config.reports.weeklyCron, 'monthly-program': config.reports.monthlyCron };
  const settings = { cron, channels: config.reports.channels, format: config.reports.format };
  const scheduler = new ReportScheduler(sql, services.reports, outbox, settings, clock);
  await scheduler.start((kind, e) => {
    onError('reports');
    log.error({ err: e, kind }, 'scheduled report failed');
  });
  return scheduler;
}

export async function startCollector(config: Config, opts: { clock?: Clock; log?: Logger } = {}): Promise<RunningCollector> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger(config.logLevel);
  // A taken port fails at once, before anything starts (PostgreSQL, the app, the jobs: seconds of work);
  // the listen below still says the same if another program takes the port in between.
  // Not in one of several collector processes: the first to listen holds the port for all (cluster.ts).
  if (!isClusterWorker() && !(await portFree(config))) throw portInUse(config);
  let embedded: EmbeddedServer | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    log.info({ dir: join(config.dataDir, 'pg') }, 'starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({ dir: config.dataDir, log: (l) => log.debug({ component: 'postgres' }, l) });
    databaseUrl = embedded.url;
  }
  const { app, database, metrics, services } = await assemble(config, databaseUrl, clock, log);
  if (isClusterWorker()) metrics.useRegistryText(clusterRegistryText(metrics.registry));
  // Open the request path's connections before listening: a connection costs PostgreSQL a backend start
  // and an authentication, which would otherwise fall on the first reports after a restart, all at once.
  await Promise.all(Array.from({ length: INGEST_CONNECTIONS }, () => database.ingest`select 1`));
  await services.observation.open();
  metrics.observing.set(1);
  await services.settler.run(clock());
  // Work a start owes, done before listening: after a restart or a failover every agent comes back at once,
  // and what runs beside that storm delays its acknowledgements. The fleet's day rows (status page, fleet
  // and region bars) are read once here, not by the first reader.
  await services.regionDays.rows(clock(), 90).catch((e) => log.warn({ err: e }, 'warming the day rows failed'));

  const onError = (job: string) => metrics.jobErrors.inc({ job });
  const instanceId = services.observation.instanceId;
  services.settler.onRun = (startedAt, nodes) => recordJobRun(database.sql, 'settle', instanceId, startedAt, Date.now(), nodes);
  const jobs = [
    every(
      services.timings.beatMs,
      'observe',
      async () => {
        try {
          await services.observation.beat();
          metrics.observing.set(1);
        } catch (e) {
          metrics.observing.set(0);
          throw e;
        }
      },
      log,
      onError,
    ),
    every(services.timings.settleMs, 'settle', () => services.settler.run(clock()), log, onError),
    // Rollups and retention take advisory locks: with several collectors, one runs each round.
    every(
      config.retention.rollupEveryS * 1000,
      'rollup',
      (signal) => runRollup(database.sql, clock(), { instanceId, signal }),
      log,
      onError,
    ),
    every(
      config.retention.runEveryS * 1000,
      'retention',
      (signal) =>
        runRetention(database.sql, clock(), {
          rawMs: config.retention.rawHours * 3_600_000,
          intervalMs: config.retention.intervalDays * 86_400_000,
          instanceId,
          signal,
        }),
      log,
      onError,
    ),
  ];
  if (config.alerts.enabled) {
    // Cycles evaluate the whole fleet: on a worker thread, off the thread that acknowledges reports.
    // Started (modules loaded, connections open) before listening, for the same reason.
    await services.alerts.runCyclesInThread(databaseUrl);
    // The alert cycle runs in one collector at a time (advisory lock); what it enqueues goes out at
    // once from here, and every collector's dispatcher picks up the rest (retries, other collectors').
    jobs.push(
      every(
        config.alerts.evaluateIntervalS * 1000,
        'alerts',
        async () => {
          const r = await services.alerts.runCycle(clock());
          if (r.ran && r.enqueued) await services.alerts.dispatch(clock());
        },
        log,
        onError,
      ),
      every(config.alerts.dispatchIntervalS * 1000, 'dispatch', () => services.alerts.dispatch(clock()), log, onError),
    );
  }

  const reportSchedule = await startReportSchedule(config, database.sql, services, clock, log, onError);

  let listening: Listening | null = null;
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      // Jobs first (a Ctrl-C in a terminal reaches the embedded PostgreSQL too), then requests, then writes.
      for (const j of jobs) await j.stop();
      reportSchedule?.stop();
      await services.alerts.close();
      await Promise.all([listening?.closeSiblings(), app.close()]);
      await services.writer.drain();
      await services.observation.close().catch(() => {});
      await database.close();
      if (embedded) await embedded.stop();
    })());
  try {
    listening = await listenOn(app, {
      host: config.host,
      port: config.port,
      backlog: LISTEN_BACKLOG,
      // Several processes listen through the cluster's primary (listen.ts).
      sockets: isClusterWorker() ? 1 : config.listenSockets,
      tls: tlsOptions(config),
    });
  } catch (e) {
    // A taken port: say which, and leave nothing running (the embedded PostgreSQL above all).
    await stop().catch(() => {});
    if ((e as { code?: string }).code === 'EADDRINUSE') throw portInUse(config);
    throw e;
  }
  const url = listening.address.replace('[::1]', '127.0.0.1');
  log.info({ url, sockets: listening.sockets }, 'collector listening');
  const warning = accessWarning(config);
  if (warning) log.warn(warning);
  return { url, databaseUrl, stop };
}
