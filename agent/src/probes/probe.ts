/**
 * The probe interface. A probe is a small module: a name, a TypeBox schema for its own options
 * (with defaults), default interval and timeout, and `create(options)` returning a `run` function.
 *
 * `run` returns data (status, message, values); the scheduler times it, applies the timeout, and
 * turns a throw or a hang into an `unknown` result. A probe never decides anything about the node's
 * state: it reports facts, the collector decides.
 */
import type { Static, TObject } from '@sinclair/typebox';
import { cleanText, REAL_MAX, type CheckStatus, type CheckValues, type DiskUsage, type Heartbeat, type Inventory } from '@timmy/shared';
import type { Logger } from '../log.ts';

/** What a probe hands back for one run. */
export interface ProbeOutput {
  status: CheckStatus;
  message: string;
  values?: CheckValues;
  /** Disk probes add their usage to the sample's `disks`. */
  disks?: DiskUsage[];
  /** Only the heartbeat probe sets this: it paces the samples. */
  heartbeat?: Heartbeat;
  /** Only the inventory probe sets this: sent with the next report when it changed. */
  inventory?: Inventory;
}

/** Where the watched user lives: `~` in paths means this home, tmux sockets are this user's. */
export interface ProbeEnv {
  user: string;
  uid: number;
  home: string;
}

/** Facts the agent shares with its probes (read-only for them). */
export interface AgentFacts {
  /** Latest estimate of (agent clock - collector clock), ms; undefined before the first reply. */
  clockOffsetMs?: number;
}

export interface ProbeContext {
  /** Aborted when the run times out or the agent stops. */
  signal: AbortSignal;
  now: () => number;
  log: Logger;
  facts: AgentFacts;
}

export interface ProbeInstance {
  run(ctx: ProbeContext): Promise<ProbeOutput>;
  /** Optional cleanup when the agent stops. */
  close?(): void;
}

export interface ProbeDefinition<S extends TObject = TObject> {
  /** The `type` used in config, e.g. `disk`. */
  type: string;
  /** The probe's own options; defaults are applied before `create`. */
  options: S;
  defaultIntervalS: number;
  defaultTimeoutS: number;
  /** Name used for the check when the config gives none. */
  defaultName: (options: Static<S>) => string;
  /** Extra validation beyond the schema (cross-field rules); return a list of problems. */
  validate?: (options: Static<S>) => string[];
  /**
   * How the result travels: `check` (a CheckResult in the sample), `heartbeat` (paces samples,
   * becomes `sample.heartbeat`), `inventory` (attached to the next report when it changed).
   */
  kind?: 'check' | 'heartbeat' | 'inventory';
  create(options: Static<S>, env: ProbeEnv): ProbeInstance;
}

/** Helper that keeps the option type attached to a definition. */
export function defineProbe<S extends TObject>(def: ProbeDefinition<S>): ProbeDefinition<S> {
  return def;
}

/** The worst of two statuses (critical > warn > unknown > ok). */
export function worst(a: CheckStatus, b: CheckStatus): CheckStatus {
  const rank: Record<CheckStatus, number> = { ok: 0, unknown: 1, warn: 2, critical: 3 };
  return rank[b] > rank[a] ? b : a;
}

/** Expands a leading `~` to a home directory (the watched user's, not necessarily the agent's). */
export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return home.replace(/\/$/, '') + path.slice(1);
  return path;
}

/** Rounds for the wire: values are small and readable. */
export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The longest check message (and string value) the wire takes. */
export const MESSAGE_MAX = 2048;
const VALUE_MAX = 1024;

/**
 * A probe's values as the wire takes them: strings made wire text (no NUL, no lone surrogate, cut to
 * length), numbers the collector cannot store (beyond PostgreSQL `real`) dropped to null. Sent as they
 * were, one bad value would have the collector refuse the whole report.
 */
export function cleanValues(values: CheckValues): CheckValues {
  const out: CheckValues = {};
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === 'string') out[k] = cleanText(v, VALUE_MAX);
    else if (typeof v === 'number') out[k] = Number.isFinite(v) && Math.abs(v) <= REAL_MAX ? v : null;
    else out[k] = v;
  }
  return out;
}
