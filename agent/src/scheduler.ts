/**
 * Runs every configured probe on its own interval: no overlap (a run that outlives its timeout is
 * reported `unknown` and blocks new runs until it settles), a timeout per run, durations and
 * failures recorded as data. Each heartbeat closes a sample: the heartbeat plus every check result
 * and disk figure gathered since the previous sample.
 */
import type { Logger } from './log.ts';
import type { CheckResult, DiskUsage, Heartbeat, Inventory, Sample } from '@timmy/shared';
import type { ProbeConfig } from './config.ts';
import type { AgentFacts, ProbeEnv, ProbeInstance, ProbeOutput } from './probes/probe.ts';
import { cleanValues, MESSAGE_MAX, round } from './probes/probe.ts';
import { cleanText } from '@timmy/shared';
import { monoMs } from './lazy.ts';

export interface ProbeResult extends CheckResult {
  /** When the run finished (epoch ms). */
  at: number;
  durationMs: number;
}

export interface SchedulerHooks {
  onSample(sample: Omit<Sample, 'seq'>): void;
  onInventory?(inv: Inventory): void;
  /** Extra checks added to each sample (e.g. the agent's own buffer figures); may return none. */
  extraChecks?(now: number): CheckResult[];
}

interface Slot {
  cfg: ProbeConfig;
  instance: ProbeInstance;
  timer?: NodeJS.Timeout;
  inFlight?: Promise<unknown>;
  runs: number;
  failures: number;
}

export class Scheduler {
  /** Latest result per check name (what `health` shows). */
  readonly latest = new Map<string, ProbeResult>();
  private readonly slots: Slot[];
  private pendingChecks: CheckResult[] = [];
  private pendingDisks = new Map<string, DiskUsage>();
  private stopped = false;
  private readonly log: Logger;
  private readonly facts: AgentFacts;
  private readonly hooks: SchedulerHooks;
  private readonly now: () => number;

  constructor(probes: ProbeConfig[], env: ProbeEnv, facts: AgentFacts, log: Logger, hooks: SchedulerHooks, now: () => number = Date.now) {
    this.log = log;
    this.facts = facts;
    this.hooks = hooks;
    this.now = now;
    this.slots = probes.map((cfg) => ({ cfg, instance: cfg.def.create(cfg.options, env), runs: 0, failures: 0 }));
  }

  start(): void {
    // Heartbeat and inventory first; spread the other probes over their first interval a little.
    this.slots.forEach((slot, i) =>
      this.schedule(slot, slot.cfg.type === 'heartbeat' || slot.cfg.type === 'inventory' ? 0 : 200 + i * 150),
    );
  }

  private schedule(slot: Slot, delayMs: number) {
    if (this.stopped) return;
    slot.timer = setTimeout(async () => {
      const started = this.now();
      await this.tick(slot);
      const elapsed = this.now() - started;
      this.schedule(slot, Math.max(0, slot.cfg.intervalS * 1000 - elapsed));
    }, delayMs);
  }

  private async tick(slot: Slot) {
    const result = await this.runProbe(slot);
    this.record(slot, result.result, result.output);
  }

  /** One run with timeout; never throws. */
  async runProbe(slot: Slot): Promise<{ result: ProbeResult; output?: ProbeOutput }> {
    const { cfg } = slot;
    const base = { name: cfg.name, probe: cfg.type, slaCritical: cfg.slaCritical };
    if (slot.inFlight) {
      return {
        result: {
          ...base,
          status: 'unknown',
          message: `previous run still hung after ${cfg.timeoutS} s timeout; skipped`,
          durationMs: 0,
          at: this.now(),
        },
      };
    }
    const ac = new AbortController();
    const t0 = monoMs();
    let timer: NodeJS.Timeout | undefined;
    const run = Promise.resolve().then(() =>
      slot.instance.run({ signal: ac.signal, now: this.now, log: this.log.child({ probe: cfg.name }), facts: this.facts }),
    );
    slot.inFlight = run.catch(() => {}).finally(() => (slot.inFlight = undefined));
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), cfg.timeoutS * 1000)));
    slot.runs++;
    try {
      const out = await Promise.race([run, timeout]);
      const durationMs = round(monoMs() - t0, 1);
      if (out === 'timeout') {
        ac.abort();
        slot.failures++;
        return {
          result: {
            ...base,
            status: 'unknown',
            message: `probe timed out after ${cfg.timeoutS} s`,
            durationMs,
            at: this.now(),
            values: { timedOut: true },
          },
        };
      }
      // Probes copy text they did not write (file contents, command output): made wire text here, for every probe.
      return {
        result: {
          ...base,
          status: out.status,
          message: cleanText(out.message, MESSAGE_MAX),
          durationMs,
          at: this.now(),
          ...(out.values ? { values: cleanValues(out.values) } : {}),
        },
        output: out,
      };
    } catch (e) {
      slot.failures++;
      const err = e as NodeJS.ErrnoException;
      return {
        result: {
          ...base,
          status: 'unknown',
          message: cleanText(`probe failed: ${err.code ?? err.name}: ${err.message}`, MESSAGE_MAX),
          durationMs: round(monoMs() - t0, 1),
          at: this.now(),
        },
      };
    } finally {
      clearTimeout(timer);
    }
  }

  private record(slot: Slot, result: ProbeResult, output?: ProbeOutput) {
    this.latest.set(result.name, result);
    if (result.status === 'unknown') this.log.debug({ probe: result.name, message: result.message }, 'probe result unknown');
    const kind = slot.cfg.def.kind ?? 'check';
    if (kind === 'inventory') {
      if (output?.inventory) this.hooks.onInventory?.(output.inventory);
      return;
    }
    if (kind === 'heartbeat') {
      if (output?.heartbeat) this.emit(output.heartbeat);
      else this.log.warn({ message: result.message }, 'heartbeat probe produced no heartbeat');
      return;
    }
    const { at: _at, ...check } = result;
    this.pendingChecks.push(check);
    for (const d of output?.disks ?? []) this.pendingDisks.set(d.mount, d);
    // Bound what piles up if heartbeats stall.
    if (this.pendingChecks.length > 200) this.pendingChecks.splice(0, this.pendingChecks.length - 200);
  }

  private emit(heartbeat: Heartbeat) {
    const now = this.now();
    const checks = [...this.pendingChecks, ...(this.hooks.extraChecks?.(now) ?? [])];
    const disks = [...this.pendingDisks.values()];
    this.pendingChecks = [];
    this.pendingDisks.clear();
    this.hooks.onSample({
      ts: now,
      heartbeat,
      ...(disks.length ? { disks } : {}),
      ...(checks.length ? { checks: checks.slice(-256) } : {}),
    });
  }

  /** Runs every probe once (for `timmy-fleet health` without a daemon). */
  async runAllOnce(): Promise<ProbeResult[]> {
    const out: ProbeResult[] = [];
    await Promise.all(
      this.slots
        .filter((s) => s.cfg.def.kind !== 'inventory')
        .map(async (s) => {
          const { result } = await this.runProbe(s);
          out.push(result);
        }),
    );
    const order = this.slots.map((s) => s.cfg.name);
    return out.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  }

  probeStats(): Array<{ name: string; runs: number; failures: number }> {
    return this.slots.map((s) => ({ name: s.cfg.name, runs: s.runs, failures: s.failures }));
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.slots) {
      clearTimeout(s.timer);
      s.instance.close?.();
    }
  }
}
