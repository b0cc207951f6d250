#!/usr/bin/env node
/** `timmy-fleet run | join | health | status | decommission | version`, `--help` on each. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_PATH, configPath as resolveConfigPath, loadConfig, type AgentConfig } from './config.ts';
import { rootLogger } from './log.ts';
import { startAgent } from './main.ts';
import { collectorRow, healthStaleS, exitCodeFor, readHealth, renderTable } from './health.ts';
import { Scheduler, type ProbeResult } from './scheduler.ts';
import { JoinError, join_ } from './join.ts';
import { AGENT_VERSION } from './version.ts';
import { DiskBuffer } from './push/buffer.ts';
import { makeTransport, transportProblem } from './push/transport.ts';
import { readCredential } from './push/client.ts';

const HELP: Record<string, string> = {
  main: `timmy-fleet ${AGENT_VERSION}: the Timmy Fleet node agent

Usage: timmy-fleet <command> [options]

Commands:
  run                         run the agent (what the systemd unit starts)
  join <collector-url> --token <t>
                              enroll this node and write its config and credential
  health [--json]             the runbook's daily checklist (exit 0 ok, 1 warning, 2 critical)
  status [--json]             buffer depth, last acknowledgement, credential expiry, collector reachability
  decommission [--reason R]   retire this node at the collector (the uninstall script's --decommission)
  version                     print the version

Common options:
  --config <path>             config file (default ${DEFAULT_CONFIG_PATH}, or $TIMMY_FLEET_CONFIG)
  -h, --help                  help for a command`,
  run: `Usage: timmy-fleet run [--config <path>]

Runs the agent in the foreground: probes, durable buffer, push to the collector.
Logs JSON to stdout. Stops cleanly on SIGTERM/SIGINT. Exits 1 on a bad config (every problem listed).`,
  join: `Usage: timmy-fleet join <collector-url> --token <enrollment-token> [options]

Registers this node with a single-use enrollment token from your fleet lead, stores the node's
own credential (mode 0600) and writes or updates the config file.

Options:
  --token <t>                 enrollment token (required)
  --config <path>             config file to write (default ${DEFAULT_CONFIG_PATH})
  --state-dir <dir>           state directory (default /var/lib/timmy/fleet)
  --credential-file <path>    where the credential goes (default <state-dir>/credential)
  --ca-file <pem>             CA bundle that signs the collector's certificate
  --user <name>               the watched user (default hermes)
  --allow-insecure-http       allow http:// to a non-loopback collector (not recommended)
  --no-start-hint             do not print how to start the service (the installer starts it)

Exit codes: 0 joined, 1 bad usage, 3 collector unreachable, 5 enrollment refused, 6 cannot write.`,
  health: `Usage: timmy-fleet health [--json] [--config <path>]

Shows the runbook's checklist from the running agent (health.json). When the agent is not running,
runs every check once itself. Exit code: 0 all ok, 1 a warning or unknown, 2 critical.`,
  status: `Usage: timmy-fleet status [--json] [--config <path>]

Shows the buffer depth, the last acknowledgement, the credential's expiry and whether the
collector is reachable right now.`,
  decommission: `Usage: timmy-fleet decommission [--reason <text>] [--config <path>]

Retires this node at its collector, now, with the node's own credential: its history is kept, its
alerts stop, it leaves the figures from now on and the collector refuses its reports after this
(FLEET_NODE_DECOMMISSIONED). Stop the agent afterwards (the uninstall script does both).
Exit code: 0 decommissioned (or already), 1 refused or unreachable (the message says why).`,
  version: `Usage: timmy-fleet version`,
};

function fail(msg: string, code = 1): never {
  process.stderr.write(`timmy-fleet: ${msg}\n`);
  process.exit(code);
}

function configOrExit(flag?: string): AgentConfig {
  const r = loadConfig(flag);
  if (!r.ok) {
    process.stderr.write(`timmy-fleet: invalid configuration in ${r.configPath}:\n${r.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  return r.config;
}

async function cmdRun(flag?: string) {
  const cfg = configOrExit(flag);
  const log = rootLogger(cfg.logLevel);
  const agent = startAgent(cfg, log);
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ sig }, 'stopping');
    await agent.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function cmdHealth(flag: string | undefined, json: boolean) {
  const cfg = configOrExit(flag);
  const now = Date.now();
  const h = readHealth(cfg.stateDir);
  const live = !h || (now - h.updatedAt) / 1000 > healthStaleS(cfg.intervalS);
  let rows: ProbeResult[];
  if (live) {
    const scheduler = new Scheduler(cfg.probes, cfg.env, {}, rootLogger('silent'), { onSample() {} });
    rows = (await scheduler.runAllOnce()).filter((r) => r.probe !== 'heartbeat');
    scheduler.stop();
  } else {
    rows = h.checks.filter((r) => r.probe !== 'heartbeat' && r.probe !== 'inventory');
  }
  rows = [collectorRow(h, now), ...rows];
  const code = exitCodeFor(rows);
  if (json)
    process.stdout.write(`${JSON.stringify({ source: live ? 'live' : 'agent', checkedAt: now, exitCode: code, checks: rows }, null, 1)}\n`);
  else {
    process.stdout.write(`${renderTable(rows, now)}\n`);
    if (live) process.stdout.write(`(the agent is not running: checks were run just now by this command)\n`);
  }
  process.exit(code);
}

async function reachability(cfg: AgentConfig): Promise<string> {
  const problem = transportProblem(cfg.collectorUrl, cfg.allowInsecureHttp);
  if (problem) return `refused: ${problem}`;
  const transport = makeTransport({ caFile: cfg.caFile });
  try {
    const res = await transport.request(new URL(cfg.collectorUrl), { method: 'GET', timeoutMs: 5000 });
    return `reachable (HTTP ${res.status})`;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return `unreachable: ${err.code ?? err.name}`;
  } finally {
    transport.close();
  }
}

function credentialMeta(stateDir: string): { expiresAt?: number } {
  try {
    return JSON.parse(readFileSync(join(stateDir, 'credential.json'), 'utf8')) as { expiresAt?: number };
  } catch {
    return {};
  }
}

async function cmdStatus(flag: string | undefined, json: boolean) {
  const cfg = configOrExit(flag);
  const now = Date.now();
  const h = readHealth(cfg.stateDir);
  // Read-only look at the buffer when the daemon is not writing it; otherwise trust its figures.
  let buffer: { records: number; bytes: number; dropped?: number; corruptCuts?: number } | undefined = h?.buffer;
  if (!h || now - h.updatedAt > healthStaleS(cfg.intervalS) * 1000) buffer = DiskBuffer.peek(cfg.stateDir) ?? buffer;
  const s = {
    version: AGENT_VERSION,
    agentRunning: !!h && now - h.updatedAt < healthStaleS(cfg.intervalS) * 1000,
    collectorUrl: cfg.collectorUrl,
    collector: await reachability(cfg),
    lastAckAt: h?.push.lastAckAt ? new Date(h.push.lastAckAt).toISOString() : null,
    lastError: h?.push.lastError ?? null,
    bufferedSamples: buffer?.records ?? 0,
    bufferedBytes: buffer?.bytes ?? 0,
    dropped: buffer?.dropped ?? 0,
    corruptCuts: buffer?.corruptCuts ?? 0,
    deadLettered: (h?.push.deadLetteredSamples ?? 0) + (h?.push.rejectedSamples ?? 0),
    credential: readCredential(cfg.credentialFile) ? 'present' : `missing (${cfg.credentialFile})`,
    credentialExpiresAt: ((t) => (t ? new Date(t).toISOString() : null))(
      h?.push.credentialExpiresAt ?? credentialMeta(cfg.stateDir).expiresAt,
    ),
  };
  if (json) process.stdout.write(`${JSON.stringify(s, null, 1)}\n`);
  else {
    const w = Math.max(...Object.keys(s).map((k) => k.length));
    for (const [k, v] of Object.entries(s)) process.stdout.write(`${k.padEnd(w)}  ${v}\n`);
  }
}

async function cmdJoin(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      token: { type: 'string' },
      config: { type: 'string' },
      'state-dir': { type: 'string' },
      'credential-file': { type: 'string' },
      'ca-file': { type: 'string' },
      user: { type: 'string' },
      'allow-insecure-http': { type: 'boolean', default: false },
      'no-start-hint': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void process.stdout.write(`${HELP.join}\n`);
  const url = positionals[0];
  if (!url) fail('join: missing <collector-url>\n\n' + HELP.join);
  if (!values.token) fail('join: missing --token <enrollment-token> (ask your fleet lead for one)');
  const stateDir = values['state-dir'] ?? '/var/lib/timmy/fleet';
  const cfgPath = resolveConfigPath(values.config);
  try {
    const res = await join_({
      collectorUrl: url,
      token: values.token,
      configPath: cfgPath,
      stateDir,
      credentialFile: values['credential-file'] ?? `${stateDir}/credential`,
      caFile: values['ca-file'],
      allowInsecureHttp: values['allow-insecure-http'] ?? false,
      user: values.user,
    });
    const hint = values['no-start-hint'] ? '' : 'start the agent: systemctl enable --now timmy-fleet\n';
    process.stdout.write(
      `joined ${url} as node ${res.nodeId}; credential valid until ${new Date(res.expiresAt).toISOString()}\nconfig: ${cfgPath}\n${hint}`,
    );
  } catch (e) {
    if (e instanceof JoinError) fail(`join: ${e.message}`, e.exitCode);
    throw e;
  }
}

async function cmdDecommission(flag: string | undefined, reason: string | undefined) {
  const cfg = configOrExit(flag);
  const problem = transportProblem(cfg.collectorUrl, cfg.allowInsecureHttp);
  if (problem) fail(`decommission: ${problem}`);
  const credential = readCredential(cfg.credentialFile);
  if (!credential) fail(`decommission: no credential in ${cfg.credentialFile}`);
  const transport = makeTransport({ caFile: cfg.caFile });
  try {
    const url = new URL('v1/node/decommission', cfg.collectorUrl.replace(/\/*$/, '/'));
    const res = await transport.request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
      body: JSON.stringify(reason ? { reason } : {}),
      timeoutMs: 15_000,
    });
    let body: { code?: string; message?: string; node?: string; decommissionedAt?: string; changed?: boolean } = {};
    try {
      body = JSON.parse(res.text);
    } catch {
      // not JSON: the status says enough
    }
    if (res.status !== 200)
      fail(
        `decommission: the collector refused (HTTP ${res.status}${body.code ? ` ${body.code}` : ''}${body.message ? `: ${body.message}` : ''})`,
      );
    process.stdout.write(
      body.changed
        ? `node ${body.node} decommissioned as of ${body.decommissionedAt}\n`
        : `node ${body.node} was decommissioned already (as of ${body.decommissionedAt})\n`,
    );
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    fail(`decommission: cannot reach ${cfg.collectorUrl}: ${err.code ?? err.message}`);
  } finally {
    transport.close();
  }
}

export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') return void process.stdout.write(`${HELP.main}\n`);
  if (cmd === 'join') return cmdJoin(rest);
  if (!(cmd in HELP) || cmd === 'main') fail(`unknown command "${cmd}"\n\n${HELP.main}`);
  let values: { config?: string; json?: boolean; reason?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
        reason: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    if (values.reason !== undefined && cmd !== 'decommission') throw new Error(`Unknown option '--reason'`);
  } catch (e) {
    fail(`${cmd}: ${(e as Error).message}\n\n${HELP[cmd]}`);
  }
  if (values.help) return void process.stdout.write(`${HELP[cmd]}\n`);
  switch (cmd) {
    case 'version':
      return void process.stdout.write(`timmy-fleet ${AGENT_VERSION} (node ${process.version})\n`);
    case 'run':
      return cmdRun(values.config);
    case 'health':
      return cmdHealth(values.config, !!values.json);
    case 'status':
      return cmdStatus(values.config, !!values.json);
    case 'decommission':
      return cmdDecommission(values.config, values.reason);
  }
}

main(process.argv.slice(2)).catch((e) => fail(`unexpected error: ${(e as Error).message}`, 1));
