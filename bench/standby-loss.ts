/**
 * `pnpm bench:standby-loss [--quiet-s 40] [--interval-ms 300]`: what the standby gate costs when a
 * synchronous standby is lost for good (README, "The standby gate").
 *
 * A pg_auto_failover formation (test/support/pgaf.ts: a monitor, a primary and a synchronous secondary
 * on loopback ports, failure detection in about 3 s) and one collector process with
 * `ingest.standbyQuietS` = --quiet-s. One pusher sends a report every --interval-ms and resends it as is
 * until it is acknowledged, as an agent does. Once reports flow, the standby's postmaster and keeper are
 * killed (-9). The primary goes to `wait_primary`; the gate refuses batches until the quiet time has
 * passed since it last saw a synchronous standby, then acknowledges on the primary alone.
 *
 *   resume_ms    from the kill to the acknowledgement of the first report sent after it
 *   longest_gap_ms  the longest stretch without an acknowledgement around the kill
 *   refused / confirmed  timmy_ingest_standby_waits_total at the end
 *   lost, stored_twice   acknowledged reports not stored, and reports stored more than once (both 0)
 *
 * Needs root and the Debian packages of scripts/ci-deps.sh. Prints the figures and writes
 * bench/out/standby-loss.json.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../collector/src/db/database.ts';
import { Formation, formationUnavailable } from '../test/support/pgaf.ts';
import { registerNode, startCollectorProcess, stop, waitFor } from '../test/support/processes.ts';
import { pushWithFailover, sampleReport } from '../test/support/push.ts';

const HELP = `pnpm bench:standby-loss [--quiet-s 40] [--interval-ms 300]
  Kills the synchronous standby of a pg_auto_failover formation under a steady push and measures how
  long the collector's standby gate holds ingest back (ingest.standbyQuietS = --quiet-s) and that no
  acknowledged report is lost. Needs root and scripts/ci-deps.sh's packages. Writes bench/out/standby-loss.json.`;
const { values } = parseArgs({
  options: { 'quiet-s': { type: 'string' }, 'interval-ms': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const QUIET_S = Number(values['quiet-s'] ?? 40);
const INTERVAL_MS = Number(values['interval-ms'] ?? 300);
if (!(QUIET_S >= 0 && INTERVAL_MS >= 10)) throw new Error(`bad arguments: --quiet-s ${QUIET_S} --interval-ms ${INTERVAL_MS}\n${HELP}`);
const unavailable = formationUnavailable();
if (unavailable) throw new Error(`cannot build a pg_auto_failover formation: ${unavailable}`);

const loadStart = loadavg();
const formation = await Formation.start();
const dir = mkdtempSync(join(tmpdir(), 'timmy-standby-loss-'));
const configFile = join(dir, 'collector.yaml');
writeFileSync(configFile, `ingest:\n  standbyQuietS: ${QUIET_S}\nsla:\n  heartbeatIntervalS: 1\n`);
const collector = await startCollectorProcess(formation.url, { TIMMY_CONFIG: configFile });
const database = openDatabase(formation.url, { max: 1, ingestMax: 1 });
const sql = database.sql;
try {
  const token = await registerNode(collector.url, 'standby-loss-0');
  const acked: Array<{ seq: number; sent: number; at: number }> = [];
  let pushing = true;
  let seq = 0;
  const pusher = (async () => {
    while (pushing) {
      const s = ++seq;
      const sent = Date.now();
      if (await pushWithFailover([collector.url], 0, token, sampleReport('standby-loss', [s], sent), sent + 600_000))
        acked.push({ seq: s, sent, at: Date.now() });
      await new Promise((r) => setTimeout(r, INTERVAL_MS));
    }
  })();
  await waitFor('reports to flow', async () => acked.length >= 5, 60_000);
  const primary = await formation.settled();
  const standby = formation.nodes.find((n) => n !== primary)!;
  console.log(`primary ${primary.name}; killing the standby ${standby.name} (-9) under a report every ${INTERVAL_MS} ms`);
  const killedAt = Date.now();
  formation.kill(standby);
  await waitFor(
    'a report sent after the kill to be acknowledged',
    async () => acked.some((a) => a.sent > killedAt),
    (QUIET_S + 120) * 1000,
    200,
  );
  const resumeMs = Math.min(...acked.filter((a) => a.sent > killedAt).map((a) => a.at)) - killedAt;
  await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));
  pushing = false;
  await pusher;
  const times = acked.map((a) => a.at).filter((t) => t >= killedAt - 5000);
  const longestGapMs = times.slice(1).reduce((m, t, i) => Math.max(m, t - times[i]!), 0);
  const metrics = await (await fetch(`${collector.url}/metrics`)).text();
  const waits = (outcome: string) =>
    Number(new RegExp(`^timmy_ingest_standby_waits_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
  const rows = await sql<{ seq: number; n: number }[]>`
    select seq::int as seq, count(*)::int as n from samples where stream = 'standby-loss' group by seq`;
  const stored = new Map(rows.map((r) => [r.seq, r.n]));
  const states = (await formation.states()).map((n) => `${n.name} ${n.reported}`).join(', ');
  const figures = {
    resume_ms: resumeMs,
    longest_gap_ms: longestGapMs,
    refused: waits('refused'),
    confirmed: waits('confirmed'),
    acked: acked.length,
    lost: acked.filter((a) => !stored.has(a.seq)).length,
    stored_twice: [...stored.values()].filter((n) => n !== 1).length,
    setup: {
      standby_quiet_s: QUIET_S,
      interval_ms: INTERVAL_MS,
      formation_after: states,
      load_average: { start: loadStart.map((x) => Math.round(x * 10) / 10), end: loadavg().map((x) => Math.round(x * 10) / 10) },
    },
    measuredAt: new Date().toISOString(),
  };
  console.log(
    `standby lost: ingest resumed ${resumeMs} ms after the kill (quiet ${QUIET_S} s); longest stretch without an acknowledgement ${longestGapMs} ms; ` +
      `commits refused ${figures.refused}, confirmed after a wait ${figures.confirmed}; acknowledged ${figures.acked}, lost ${figures.lost}, stored twice ${figures.stored_twice}; formation after: ${states}`,
  );
  const out = resolve(import.meta.dirname, 'out');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'standby-loss.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log('wrote bench/out/standby-loss.json');
} finally {
  await database.close();
  await stop(collector, 'SIGTERM');
  await formation.stop();
}
