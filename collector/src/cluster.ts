/**
 * Several collector processes on one port (`processes: N`, TIMMY_PROCESSES): node:cluster's primary owns
 * the listening socket and hands each new connection to one of N workers in turn; each worker is a whole
 * collector (runtime.ts startCollector) on the same PostgreSQL. Node answers requests on one thread per
 * process, so at a few thousand reports a second one process's main thread is the bottleneck (queueing,
 * not work, sets the tail latency); N processes spread it over N cores. Nothing else changes: several
 * collectors on one database are already the design (advisory locks make settle, rollup, retention and the
 * alert cycle run once; the outbox claim makes delivery once).
 *
 * The primary runs no collector. It starts the embedded PostgreSQL when no DATABASE_URL is given (the
 * workers get its URL), restarts a worker that dies after it has listened, gives up (exit 1) when one dies
 * before, and on SIGINT/SIGTERM stops the workers, then the database.
 */
import cluster, { type Worker } from 'node:cluster';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Config } from './config.ts';

/** A worker that died after it had listened is restarted after this pause (a crash loop stays slow). */
const RESTART_DELAY_MS = 1_000;

export const isClusterWorker = () => cluster.isWorker;

/** A worker asks the primary for every process's metrics; the primary answers with them aggregated. */
const METRICS_REQ = 'timmy:metrics-req';
const METRICS_RES = 'timmy:metrics-res';
type MetricsMessage = { type: typeof METRICS_REQ; id: number } | { type: typeof METRICS_RES; id: number; text?: string; error?: string };
const isMetricsMessage = (m: unknown): m is MetricsMessage =>
  typeof m === 'object' && m !== null && ((m as MetricsMessage).type === METRICS_REQ || (m as MetricsMessage).type === METRICS_RES);

/**
 * In a worker: the registry part of GET /metrics as the sum over every collector process (counters and
 * histograms add up; a gauge says how it combines with its `aggregator`), so a scrape that reaches any
 * process sees the whole collector. The fleet gauges computed from the database are not in the registry:
 * each process answers them alike.
 */
export function clusterRegistryText(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // prom-client answers the primary's requests from a worker once an AggregatorRegistry exists there (its
  // constructor adds the listener; prom-client 15.1.3, lib/cluster.js).
  new AggregatorRegistry();
  let next = 0;
  const pending = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void }>();
  process.on('message', (m: unknown) => {
    if (!isMetricsMessage(m) || m.type !== METRICS_RES) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(`the collector processes' metrics: ${m.error}`));
    else p?.resolve(m.text ?? '');
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      process.send!({ type: METRICS_REQ, id } satisfies MetricsMessage);
    });
}

export async function serveCluster(config: Config, log: Logger, onSignal: (stop: (signal: string) => void) => void): Promise<number> {
  let embedded: { url: string; stop: () => Promise<void> } | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    const { startEmbeddedPostgres } = await import('./db/embedded.ts');
    log.info({ dir: join(config.dataDir, 'pg') }, 'starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({ dir: config.dataDir, log: (l) => log.debug({ component: 'postgres' }, l) });
    databaseUrl = embedded.url;
  }
  // Built (when its sources changed) once, here: N processes building it side by side would write the same files.
  const { consoleBuild } = await import('./routes/console-assets.ts');
  await (await consoleBuild()).ensureConsole().catch((e) => log.warn({ err: e }, 'the console could not be built; each process says so'));
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  const listening = new Set<Worker>();
  let stopping = false;
  return new Promise<number>((resolve) => {
    const finish = async (code: number) => {
      stopping = true;
      const exits = Object.values(cluster.workers ?? {}).map(
        (w) =>
          new Promise<void>((r) => {
            if (!w || w.isDead()) return r();
            w.once('exit', () => r());
            w.process.kill('SIGTERM');
          }),
      );
      await Promise.all(exits);
      await embedded?.stop().catch((e) => log.error({ err: e }, 'stopping the embedded PostgreSQL failed'));
      resolve(code);
    };
    const fork = () => {
      const w = cluster.fork(env);
      w.on('listening', () => listening.add(w));
      w.on('exit', (code, signal) => {
        const hadListened = listening.delete(w);
        if (stopping) return;
        if (!hadListened) {
          log.error({ code, signal }, 'a collector process exited before it listened: stopping');
          void finish(code || 1);
          return;
        }
        log.error({ code, signal }, 'a collector process died: starting another');
        setTimeout(() => stopping || fork(), RESTART_DELAY_MS).unref();
      });
    };
    // prom-client asks each process for its registry and aggregates (it gives up after 5 s).
    const aggregator = new AggregatorRegistry();
    cluster.on('message', (worker, m: unknown) => {
      if (!isMetricsMessage(m) || m.type !== METRICS_REQ) return;
      const reply = (r: Omit<Extract<MetricsMessage, { type: typeof METRICS_RES }>, 'type' | 'id'>) =>
        worker.isConnected() && worker.send({ type: METRICS_RES, id: m.id, ...r } satisfies MetricsMessage);
      aggregator.clusterMetrics().then(
        (text) => reply({ text }),
        (e: Error) => reply({ error: e.message }),
      );
    });
    log.info({ processes: config.processes }, 'starting collector processes');
    for (let i = 0; i < config.processes; i++) fork();
    onSignal((signal) => {
      log.info({ signal }, 'stopping the collector processes');
      void finish(0);
    });
  });
}
