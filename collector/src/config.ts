/**
 * The collector's configuration: one schema (the one definition of the config type), read once at
 * start from the environment plus an optional YAML file. Every problem is listed; main exits 1.
 * Nothing else in the collector reads process.env.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { checker } from '@timmy/shared';
import { AlertsConfig, alertingProblems } from './alerts/config.ts';

export const Config = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'address to listen on' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: '0 picks a free port' }),
    publicUrl: Type.Optional(Type.String({ description: 'URL agents use to reach the collector (install script, enrollment)' })),
    databaseUrl: Type.Optional(Type.String({ description: 'PostgreSQL URL; without it an embedded server runs in dataDir' })),
    dataDir: Type.String({ default: '.data/collector', description: 'embedded PostgreSQL and local state' }),
    adminToken: Type.Optional(Type.String({ minLength: 16, description: 'bearer token for /v1/admin endpoints' })),
    tlsCertFile: Type.Optional(
      Type.String({ minLength: 1, description: 'PEM certificate (chain): serve HTTPS directly; needs tlsKeyFile' }),
    ),
    tlsKeyFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key for tlsCertFile' })),
    processes: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 1,
      description:
        'collector processes sharing the port (node:cluster), each answering requests on its own core; 2 or more for fleets of thousands of nodes (see docs/scaling.md)',
    }),
    listenSockets: Type.Integer({
      minimum: 1,
      maximum: 256,
      default: 32,
      description:
        'listening sockets on the port (SO_REUSEPORT) in a collector of one process: Node takes one new connection per socket per turn of its event loop, and after a restart every agent reconnects at once (collector/src/listen.ts)',
    }),
    signInPerMin: Type.Integer({
      minimum: 1,
      default: 10,
      description: 'console sign-in attempts (POST /v1/session) allowed per client address per minute',
    }),
    eventsHeartbeatS: Type.Integer({
      minimum: 1,
      default: 15,
      description: 'seconds between the comments that keep an idle GET /v1/events stream open through proxies',
    }),
    anonymousRead: Type.Boolean({
      default: false,
      description: 'allow reads (/v1/nodes...) without the admin token; for a local single-user setup',
    }),
    logLevel: Type.Union(
      [
        Type.Literal('fatal'),
        Type.Literal('error'),
        Type.Literal('warn'),
        Type.Literal('info'),
        Type.Literal('debug'),
        Type.Literal('trace'),
        Type.Literal('silent'),
      ],
      { default: 'info' },
    ),
    sla: Type.Object(
      {
        heartbeatIntervalS: Type.Number({ exclusiveMinimum: 0, default: 5 }),
        graceIntervals: Type.Number({ minimum: 1, default: 3, description: 'no heartbeat for this many intervals = DOWN' }),
        restartGraceS: Type.Number({
          minimum: 0,
          default: 90,
          description: 'after the collector (re)starts, time agents get to reconnect before silence counts',
        }),
        settleIntervalS: Type.Number({ exclusiveMinimum: 0, default: 2 }),
        observeBeatS: Type.Number({ exclusiveMinimum: 0, default: 2, description: 'how often the collector records that it is observing' }),
        tiers: Type.Object(
          {
            certified: Type.Number({ minimum: 0, maximum: 100, default: 99.5 }),
            senior: Type.Number({ minimum: 0, maximum: 100, default: 99.7 }),
            fleet_lead: Type.Number({ minimum: 0, maximum: 100, default: 99.9 }),
          },
          { default: {}, additionalProperties: false, description: 'SLA percent an operator (and each of its nodes) is held to, per tier' },
        ),
        fleetTargetPct: Type.Number({
          minimum: 0,
          maximum: 100,
          default: 99.5,
          description: 'SLA percent for regions, the fleet, and nodes without an operator',
        }),
      },
      { default: {} },
    ),
    ingest: Type.Object(
      {
        bodyLimitBytes: Type.Integer({ minimum: 1024, default: 1_048_576 }),
        maxFutureSkewS: Type.Number({ minimum: 0, default: 600, description: 'samples further in the future are rejected' }),
        rateLimitPerNodePerMin: Type.Integer({ minimum: 1, default: 120 }),
        flushMaxRows: Type.Integer({ minimum: 1, default: 2000 }),
        flushDelayMs: Type.Integer({ minimum: 0, default: 5 }),
        flushConcurrency: Type.Integer({ minimum: 1, maximum: 16, default: 4, description: 'write transactions in flight at once' }),
        checkRefreshS: Type.Number({
          minimum: 0,
          default: 60,
          description: "a check's new status is stored at once; a new message or value of the same status at most this often",
        }),
        confirmStandby: Type.Boolean({
          default: true,
          description:
            'acknowledge a report only once a standby has flushed it, while the primary has (or recently had) a synchronous standby (needs pg_read_all_stats)',
        }),
        standbyQuietS: Type.Number({
          minimum: 0,
          default: 40,
          description: 'a primary without a synchronous standby for this long is trusted alone (longer than a switchover takes)',
        }),
        standbyWaitS: Type.Number({
          exclusiveMinimum: 0,
          default: 5,
          description: 'how long a write waits for a standby before its reports are refused (503) and retried',
        }),
      },
      { default: {} },
    ),
    retention: Type.Object(
      {
        rawHours: Type.Number({ exclusiveMinimum: 0, default: 48 }),
        intervalDays: Type.Number({
          minimum: 400,
          default: 400,
          description: 'state intervals and per-minute rollups are evidence for pay: at least 13 months',
        }),
        runEveryS: Type.Number({ exclusiveMinimum: 0, default: 600, description: 'how often the retention job runs' }),
        rollupEveryS: Type.Number({ exclusiveMinimum: 0, default: 60, description: 'how often the per-minute rollup job runs' }),
      },
      { default: {} },
    ),
    credentials: Type.Object(
      {
        ttlDays: Type.Number({ exclusiveMinimum: 0, default: 90 }),
        rotateBeforeDays: Type.Number({ minimum: 0, default: 14, description: 'hand out a new credential this long before expiry' }),
        overlapHours: Type.Number({ minimum: 0, default: 24, description: 'the old credential keeps working this long after rotation' }),
      },
      { default: {} },
    ),
    alerts: AlertsConfig,
    pay: Type.Object(
      {
        policyFile: Type.Optional(
          Type.String({
            minLength: 1,
            description: 'the pay policy (YAML); default: the shipped collector/pay-policies/per-operator.yaml',
          }),
        ),
        settleDelayS: Type.Integer({
          minimum: 0,
          default: 3600,
          description: 'a month can be closed this long after it ends (buffered samples arrive and settle first)',
        }),
        disputeDays: Type.Integer({
          minimum: 1,
          default: 14,
          description: 'an operator may dispute a statement line this many days after the close',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    reports: Type.Object(
      {
        weeklyCron: Type.String({ default: '5 0 * * 1', description: 'when the weekly fleet report goes out (cron, UTC): Monday 00:05' }),
        monthlyCron: Type.String({
          default: '10 0 1 * *',
          description: 'when the monthly program report goes out (cron, UTC): the 1st, 00:10',
        }),
        channels: Type.Array(Type.String({ minLength: 1 }), {
          default: [],
          description: 'alert channel names the scheduled reports are delivered to (none: no schedule)',
        }),
        format: Type.Union([Type.Literal('md'), Type.Literal('csv'), Type.Literal('json')], { default: 'md' }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type Config = Static<typeof Config>;

export class ConfigError extends Error {
  readonly code = 'FLEET_CONFIG_INVALID';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Environment variables the collector reads, and where each lands in the config. */
export const ENV_KEYS: Record<string, { path: string[]; kind: 'string' | 'number' | 'boolean' }> = {
  TIMMY_HOST: { path: ['host'], kind: 'string' },
  TIMMY_PORT: { path: ['port'], kind: 'number' },
  TIMMY_PUBLIC_URL: { path: ['publicUrl'], kind: 'string' },
  DATABASE_URL: { path: ['databaseUrl'], kind: 'string' },
  TIMMY_DATA_DIR: { path: ['dataDir'], kind: 'string' },
  TIMMY_ADMIN_TOKEN: { path: ['adminToken'], kind: 'string' },
  TIMMY_TLS_CERT_FILE: { path: ['tlsCertFile'], kind: 'string' },
  TIMMY_TLS_KEY_FILE: { path: ['tlsKeyFile'], kind: 'string' },
  TIMMY_FLEET_TARGET_PCT: { path: ['sla', 'fleetTargetPct'], kind: 'number' },
  LOG_LEVEL: { path: ['logLevel'], kind: 'string' },
  TIMMY_ANONYMOUS_READ: { path: ['anonymousRead'], kind: 'boolean' },
  TIMMY_SIGNIN_PER_MIN: { path: ['signInPerMin'], kind: 'number' },
  TIMMY_PROCESSES: { path: ['processes'], kind: 'number' },
  TIMMY_LISTEN_SOCKETS: { path: ['listenSockets'], kind: 'number' },
  TIMMY_HEARTBEAT_INTERVAL_S: { path: ['sla', 'heartbeatIntervalS'], kind: 'number' },
  TIMMY_GRACE_INTERVALS: { path: ['sla', 'graceIntervals'], kind: 'number' },
  TIMMY_RESTART_GRACE_S: { path: ['sla', 'restartGraceS'], kind: 'number' },
  TIMMY_RAW_RETENTION_HOURS: { path: ['retention', 'rawHours'], kind: 'number' },
  TIMMY_RETENTION_EVERY_S: { path: ['retention', 'runEveryS'], kind: 'number' },
  TIMMY_ROLLUP_EVERY_S: { path: ['retention', 'rollupEveryS'], kind: 'number' },
  TIMMY_ACK_LINK_SECRET: { path: ['alerts', 'ackLinkSecret'], kind: 'string' },
  TIMMY_PAY_POLICY_FILE: { path: ['pay', 'policyFile'], kind: 'string' },
  TIMMY_PAY_SETTLE_DELAY_S: { path: ['pay', 'settleDelayS'], kind: 'number' },
};

/**
 * The port as set explicitly (TIMMY_PORT, else `port:` in the YAML file), undefined when left to the
 * default. The main job falls back to a free port only in that last case. Problems are loadConfig's to report.
 */
export function configuredPort(env: Record<string, string | undefined>, file = env.TIMMY_CONFIG): number | undefined {
  if (env.TIMMY_PORT) return Number(env.TIMMY_PORT);
  if (!file) return undefined;
  try {
    const parsed = parseYaml(readFileSync(file, 'utf8')) as { port?: unknown } | null;
    return typeof parsed?.port === 'number' ? parsed.port : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the config from an environment and (if TIMMY_CONFIG or `file` names one) a YAML file. Throws ConfigError. */
export function loadConfig(env: Record<string, string | undefined>, file = env.TIMMY_CONFIG): Config {
  const problems: string[] = [];
  let raw: Record<string, unknown> = {};
  if (file) {
    try {
      const parsed = parseYaml(readFileSync(file, 'utf8'));
      if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed)))
        problems.push(`${file}: expected a mapping at the top level`);
      else raw = (parsed ?? {}) as Record<string, unknown>;
    } catch (e) {
      problems.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  for (const [key, spec] of Object.entries(ENV_KEYS)) {
    const v = env[key];
    if (v === undefined || v === '') continue;
    let value: unknown = v;
    if (spec.kind === 'boolean') {
      if (!['true', 'false', '1', '0'].includes(v)) {
        problems.push(`${key}: expected true or false, got "${v}"`);
        continue;
      }
      value = v === 'true' || v === '1';
    } else if (spec.kind === 'number') {
      value = Number(v);
      if (!Number.isFinite(value as number)) {
        problems.push(`${key}: expected a number, got "${v}"`);
        continue;
      }
    }
    let obj = raw;
    for (const p of spec.path.slice(0, -1)) obj = (obj[p] ??= {}) as Record<string, unknown>;
    obj[spec.path.at(-1)!] = value;
  }
  const withDefaults = Value.Default(Config, structuredClone(raw));
  for (const p of checker(Config).problems(withDefaults, 50))
    problems.push(`${p.path.replace(/^\//, '').replace(/\//g, '.') || '(root)'}: ${p.message}`);
  const tls = withDefaults as Partial<Config>;
  if (Boolean(tls.tlsCertFile) !== Boolean(tls.tlsKeyFile))
    problems.push('tlsCertFile and tlsKeyFile go together (TIMMY_TLS_CERT_FILE, TIMMY_TLS_KEY_FILE)');
  // The alert rules, channels and routing have their own loaders: their problems are listed too.
  if (!problems.some((p) => p.startsWith('alerts')))
    problems.push(...alertingProblems((withDefaults as Config).alerts, (withDefaults as Config).publicUrl));
  problems.push(...reportChannelProblems(withDefaults as Config));
  if (problems.length) throw new ConfigError(problems);
  return withDefaults as Config;
}

/**
 * Scheduled reports go to channels configured under `alerts.channels`, by name: a name that is not
 * there is listed, with the names that are (a typo would otherwise drop every report silently).
 */
function reportChannelProblems(c: Partial<Config>): string[] {
  const wanted = c.reports?.channels;
  if (!Array.isArray(wanted)) return [];
  const have = (Array.isArray(c.alerts?.channels) ? c.alerts.channels : []).flatMap((ch) => {
    const name = (ch as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? [name] : [];
  });
  const known = have.length
    ? `the channels under alerts.channels are ${have.join(', ')}`
    : 'no channel is configured under alerts.channels';
  return wanted.flatMap((name, i) => (have.includes(name) ? [] : [`reports.channels.${i}: unknown channel "${name}" (${known})`]));
}

/** Derived SLA timings in milliseconds. */
export function slaTimings(c: Config) {
  const intervalMs = c.sla.heartbeatIntervalS * 1000;
  return {
    intervalMs,
    graceMs: intervalMs * c.sla.graceIntervals,
    /** A sample is live when it reached us within this much of being taken. */
    freshMs: intervalMs * 2,
    restartGraceMs: c.sla.restartGraceS * 1000,
    settleMs: c.sla.settleIntervalS * 1000,
    beatMs: c.sla.observeBeatS * 1000,
  };
}
