/**
 * Agent configuration: YAML at /etc/timmy/fleet/config.yaml (or --config, or TIMMY_FLEET_CONFIG).
 * This is the only module that reads the environment. Validated once at start; every problem is
 * listed; the caller exits 1 on any problem.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { findProbe, probes as allProbes } from './probes/registry.ts';
import type { ProbeDefinition, ProbeEnv } from './probes/probe.ts';
import { transportProblem } from './push/transport.ts';

export const DEFAULT_CONFIG_PATH = '/etc/timmy/fleet/config.yaml';

const Common = Type.Object({
  type: Type.String({ minLength: 1 }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:@/-]+$' })),
  intervalS: Type.Optional(Type.Number({ minimum: 0.1, maximum: 86400 })),
  timeoutS: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 600 })),
  slaCritical: Type.Boolean({ default: false, description: 'a failure of this check makes the node DOWN' }),
  enabled: Type.Boolean({ default: true }),
});
const COMMON_KEYS = ['type', 'name', 'intervalS', 'timeoutS', 'slaCritical', 'enabled'];

export const ConfigSchema = Type.Object(
  {
    collectorUrl: Type.String({ pattern: '^https?://[^\\s]+$', description: 'base URL of the collector' }),
    credentialFile: Type.String({ minLength: 1, default: '/var/lib/timmy/fleet/credential', description: 'node credential, mode 0600' }),
    intervalS: Type.Number({
      minimum: 0.1,
      maximum: 3600,
      default: 5,
      description: 'heartbeat (sample) interval; below 1 s only for tests',
    }),
    stateDir: Type.String({ minLength: 1, default: '/var/lib/timmy/fleet' }),
    caFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM CA bundle to verify the collector (default: system CAs)' })),
    allowInsecureHttp: Type.Boolean({ default: false, description: 'allow http:// to a non-loopback collector' }),
    user: Type.String({
      minLength: 1,
      default: 'hermes',
      description: 'the watched user: `~` in probe paths and the tmux server are theirs',
    }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    buffer: Type.Object(
      {
        maxBytes: Type.Integer({ minimum: 65536, default: 64 * 1024 * 1024 }),
        segmentBytes: Type.Integer({ minimum: 4096, default: 1024 * 1024 }),
        fsyncIntervalMs: Type.Integer({ minimum: 10, maximum: 1000, default: 1000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    push: Type.Object(
      {
        maxBatchSamples: Type.Integer({ minimum: 1, maximum: 5000, default: 1000 }),
        maxBatchBytes: Type.Integer({ minimum: 4096, default: 512 * 1024 }),
        timeoutS: Type.Number({ minimum: 1, default: 30 }),
        gzipMinBytes: Type.Integer({
          minimum: 0,
          default: 8192,
          description:
            'gzip bodies above this size: backlog batches always; the 0.5-2 KiB live reports are not worth the ~2 MB of RSS zlib costs once loaded',
        }),
        deadLetterMaxBytes: Type.Integer({ minimum: 4096, default: 8 * 1024 * 1024 }),
        retryMaxS: Type.Number({
          minimum: 1,
          maximum: 3600,
          default: 60,
          description: 'the longest wait between push retries (backoff cap, Retry-After included); env TIMMY_FLEET_RETRY_MAX_S',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    probes: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
  },
  { additionalProperties: false },
);
type RawConfig = Static<typeof ConfigSchema>;

/** One configured probe, validated, with its options defaulted. */
export interface ProbeConfig {
  type: string;
  name: string;
  intervalS: number;
  timeoutS: number;
  slaCritical: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: one list holds definitions of different option types
  def: ProbeDefinition<any>;
  options: Record<string, unknown>;
}

export type AgentConfig = Omit<RawConfig, 'probes'> & { probes: ProbeConfig[]; configPath: string; env: ProbeEnv };

/** The runbook's checklist: used when the config file lists no probes. */
export const DEFAULT_PROBES: Array<Record<string, unknown>> = [
  { type: 'heartbeat' },
  { type: 'systemd', name: 'gateway', unit: 'ai.hermes.gateway', slaCritical: true },
  { type: 'tmux', name: 'sessions', sessions: ['BURN', 'BURN2', 'FORGE'] },
  { type: 'disk', name: 'disk:/', mount: '/' },
  { type: 'file', name: 'cron', path: '~/.hermes/cron/jobs/', maxAgeS: 7200, failurePattern: 'FAILED|ERROR|Traceback' },
  { type: 'file', name: 'dispatch-queue', path: '/tmp/hermes/dispatch-queue.json', maxAgeS: 900 },
  { type: 'expiry', name: 'credentials', path: '~/.hermes/fleet-dispatch-state.json' },
  { type: 'system', name: 'system' },
  { type: 'inventory' },
];

export type LoadResult = { ok: true; config: AgentConfig } | { ok: false; problems: string[]; configPath: string };

function schemaProblems(schema: TSchema, value: unknown, prefix: string): string[] {
  return [...Value.Errors(schema, value)].slice(0, 50).map((e) => `${prefix}${e.path || '/'}: ${e.message}`);
}

/** Looks up a user's uid and home in /etc/passwd (no spawning, no NSS: enough for local users). */
export function lookupUser(user: string, passwd = '/etc/passwd'): ProbeEnv {
  try {
    for (const line of readFileSync(passwd, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user && f.length >= 6) return { user, uid: Number(f[2]), home: f[5] || `/home/${user}` };
    }
  } catch {
    // fall through
  }
  return { user, uid: -1, home: `/home/${user}` };
}

/** The environment variable that overrides `push.retryMaxS` (a restart test's agents reconnect sooner). */
export const RETRY_MAX_ENV = 'TIMMY_FLEET_RETRY_MAX_S';

/**
 * Settings the environment overrides, applied to the parsed document before validation, so a bad value
 * is listed with the rest; an unreadable number is a problem of its own, naming the variable.
 */
function fromEnv(doc: Record<string, unknown>, env: NodeJS.ProcessEnv): { doc: Record<string, unknown>; problems: string[] } {
  const v = env[RETRY_MAX_ENV]?.trim();
  if (v === undefined || v === '') return { doc, problems: [] };
  const n = Number(v);
  if (!Number.isFinite(n) || n < 1 || n > 3600)
    return {
      doc,
      problems: [`${RETRY_MAX_ENV}: "${v}" is not a number of seconds from 1 to 3600 (the longest wait between push retries)`],
    };
  const push = doc.push !== null && typeof doc.push === 'object' && !Array.isArray(doc.push) ? doc.push : {};
  return { doc: { ...doc, push: { ...push, retryMaxS: n } }, problems: [] };
}

/** Validates an already-parsed document (tests use this directly); `env` overrides what `fromEnv` lists. */
export function validateConfig(doc: unknown, configPath = '(inline)', passwd?: string, environ: NodeJS.ProcessEnv = {}): LoadResult {
  const problems: string[] = [];
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, configPath, problems: [`${configPath}: expected a YAML mapping at the top level`] };
  }
  const overridden = fromEnv(doc as Record<string, unknown>, environ);
  problems.push(...overridden.problems);
  const raw = Value.Default(ConfigSchema, structuredClone(overridden.doc)) as RawConfig;
  problems.push(...schemaProblems(ConfigSchema, raw, ''));
  if (typeof raw.collectorUrl === 'string') {
    try {
      const u = new URL(raw.collectorUrl);
      if (u.username || u.password) problems.push('/collectorUrl: must not carry credentials (use credentialFile)');
      const tp = transportProblem(raw.collectorUrl, raw.allowInsecureHttp === true);
      if (tp) problems.push(`/collectorUrl: ${tp}`);
    } catch {
      problems.push('/collectorUrl: not a valid URL');
    }
  }
  const env = lookupUser(typeof raw.user === 'string' ? raw.user : 'hermes', passwd);
  const entries = raw.probes?.length ? raw.probes : DEFAULT_PROBES;
  const autoHeartbeat = !entries.some((e) => e.type === 'heartbeat');
  const probeConfigs: ProbeConfig[] = [];
  const names = new Set<string>();
  entries.forEach((entry, i) => {
    const at = `/probes/${i}`;
    const common = Value.Default(Common, structuredClone(entry)) as Static<typeof Common> & Record<string, unknown>;
    const cp = schemaProblems(Common, common, at);
    if (cp.length) return void problems.push(...cp);
    const def = findProbe(common.type);
    if (!def)
      return void problems.push(`${at}/type: unknown probe type "${common.type}" (known: ${allProbes.map((p) => p.type).join(', ')})`);
    const opts: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(common)) if (!COMMON_KEYS.includes(k)) opts[k] = v;
    const options = Value.Default(def.options, opts) as Record<string, unknown>;
    const op = schemaProblems(def.options, options, at);
    if (op.length) return void problems.push(...op);
    problems.push(...(def.validate?.(options) ?? []).map((p) => `${at}: ${p}`));
    if (!common.enabled) return;
    const name = common.name ?? def.defaultName(options);
    if (names.has(name)) problems.push(`${at}/name: duplicate check name "${name}" (give each probe a distinct name)`);
    names.add(name);
    const intervalS = def.type === 'heartbeat' ? (common.intervalS ?? raw.intervalS) : (common.intervalS ?? def.defaultIntervalS);
    const timeoutS = common.timeoutS ?? Math.min(def.defaultTimeoutS, intervalS);
    probeConfigs.push({ type: def.type, name, intervalS, timeoutS, slaCritical: common.slaCritical, def, options });
  });
  if (autoHeartbeat) {
    const def = findProbe('heartbeat')!;
    probeConfigs.unshift({
      type: 'heartbeat',
      name: 'heartbeat',
      intervalS: raw.intervalS,
      timeoutS: Math.min(def.defaultTimeoutS, raw.intervalS),
      slaCritical: false,
      def,
      options: {},
    });
  }
  if (problems.length) return { ok: false, configPath, problems };
  const { probes: _ignored, ...rest } = raw;
  return { ok: true, config: { ...rest, probes: probeConfigs, configPath, env } };
}

/** Where the config lives: --config wins, then TIMMY_FLEET_CONFIG, then the default path. */
export function configPath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.TIMMY_FLEET_CONFIG || DEFAULT_CONFIG_PATH;
}

export function loadConfig(flag?: string, env: NodeJS.ProcessEnv = process.env): LoadResult {
  const path = configPath(flag, env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      ok: false,
      configPath: path,
      problems: [
        `${path}: cannot read (${code ?? (e as Error).message})${code === 'ENOENT' ? '; run `timmy-fleet join <collector-url> --token <t>` first' : ''}`,
      ],
    };
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return { ok: false, configPath: path, problems: [`${path}: not valid YAML: ${(e as Error).message.split('\n')[0]}`] };
  }
  return validateConfig(doc, path, undefined, env);
}
