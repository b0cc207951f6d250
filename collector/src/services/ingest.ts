/** Ingest: authenticate → prepare (pure) → group-commit write → acknowledgement (after commit). */
import type { Report, ReportAck } from '@timmy/shared';
import type { AuthenticatedNode, CredentialStore } from '../auth/credentials.ts';
import { Errors } from '../errors.ts';
import type { Metrics } from '../metrics/registry.ts';
import { follows, markOf, prepareReport, type PrepareLimits, type StreamMark } from './prepare.ts';
import { UnstorableReportError, type IngestWriter } from './ingest-writer.ts';
import { BatchLoader } from './batch-loader.ts';
import { failingByNode } from '../stores/nodes.ts';
import type postgres from 'postgres';
import { FleetError } from '@timmy/shared';
import type { IngestWatch } from './ingest-watch.ts';

export class IngestService {
  private readonly sql: postgres.Sql;
  private readonly writer: IngestWriter;
  private readonly credentials: CredentialStore;
  private readonly metrics: Metrics;
  private readonly limits: PrepareLimits;
  /** Told of every report from its arrival until it is stored or refused, and of each lost for want of the database. */
  readonly watch: IngestWatch;
  /** Carried-forward failing checks per node as this collector last stored them, trusted for the report that follows (prepare.ts `follows`), else read from the node row. */
  private failing = new Map<number, StreamMark & { failing: string[] }>();
  /** First sight of many nodes at once (a collector start under load): one query per batch. */
  private readonly failingLoader: BatchLoader<number, string[]>;

  constructor(
    sql: postgres.Sql,
    writer: IngestWriter,
    credentials: CredentialStore,
    metrics: Metrics,
    limits: PrepareLimits,
    watch: IngestWatch,
  ) {
    this.watch = watch;
    this.sql = sql;
    this.writer = writer;
    this.credentials = credentials;
    this.metrics = metrics;
    this.limits = limits;
    this.failingLoader = new BatchLoader((ids) => failingByNode(this.sql, ids));
  }

  /**
   * Stores a report that arrived at `receivedAt` (its live samples count at that time). Until it is stored
   * or refused the observation beat claims no time after its arrival; lost for want of the database (not
   * refused for its own fault), it ends the observation spans there (ingest-watch.ts).
   */
  async ingest(auth: AuthenticatedNode, report: Report, receivedAt: number): Promise<ReportAck> {
    const done = this.watch.begin(receivedAt);
    let stored: Awaited<ReturnType<typeof this.store>>;
    try {
      stored = await this.store(auth, report, receivedAt);
    } catch (e) {
      if (!(e instanceof FleetError) || e.code === 'FLEET_UNAVAILABLE') this.watch.lose(receivedAt);
      throw e;
    } finally {
      done();
    }
    const { prepared, result } = stored;
    // What the node row now says is failing (unchanged when every sample was a duplicate).
    if (result.failing) this.failing.set(auth.nodeId, { ...markOf(report.stream, report.samples), failing: result.failing });
    this.metrics.ingestReports.inc({ result: 'accepted' });
    this.metrics.ingestSamples.inc({ result: 'stored' }, result.accepted);
    this.metrics.ingestSamples.inc({ result: 'duplicate' }, result.duplicates);
    const credential = await this.credentials.rotateIfDue(auth, receivedAt);
    return {
      accepted: result.accepted,
      duplicates: result.duplicates,
      rejected: prepared.rejected,
      serverTime: receivedAt,
      ...(credential ? { credential } : {}),
    };
  }

  /** Prepares and commits a report; throws a FleetError for the report's own fault, anything else when the database failed. */
  private async store(auth: AuthenticatedNode, report: Report, receivedAt: number) {
    const cached = this.failing.get(auth.nodeId);
    const prior =
      cached && follows(cached, report.stream, report.samples) ? cached.failing : ((await this.failingLoader.load(auth.nodeId)) ?? []);
    const prepared = prepareReport(report, receivedAt, prior, this.limits);
    for (const r of prepared.rejected) this.metrics.ingestRejections.inc({ code: r.code });
    this.metrics.ingestSamples.inc({ result: 'rejected' }, prepared.rejected.length);
    if (prepared.samples.length === 0) {
      this.metrics.ingestReports.inc({ result: 'rejected' });
      throw new Errors.TimestampOutOfRange(prepared.rejected[0]?.message ?? 'no acceptable sample', prepared.rejected);
    }
    let result: Awaited<ReturnType<typeof this.writer.write>>;
    try {
      result = await this.writer.write({ nodeId: auth.nodeId, receivedAt, report, prepared });
    } catch (e) {
      // The database refuses this report's data: retrying cannot help (the agent sets it aside).
      if (e instanceof UnstorableReportError) {
        this.metrics.ingestReports.inc({ result: 'rejected' });
        this.metrics.ingestRejections.inc({ code: 'FLEET_UNSTORABLE' });
        throw new Errors.Unstorable(e.message);
      }
      // Nothing was acknowledged (nothing committed, or a commit no standby confirmed): the agent keeps
      // the report and retries; what was stored already is recognised as a duplicate.
      throw Object.assign(new Errors.Unavailable(), { cause: e });
    }
    return { prepared, result };
  }
}
