/** The daemon: probes → samples → durable buffer → pusher; health.json for `timmy-fleet health`. */
import { mkdirSync } from 'node:fs';
import type { Logger } from './log.ts';
import type { CheckResult } from '@timmy/shared';
import type { AgentConfig } from './config.ts';
import { DiskBuffer } from './push/buffer.ts';
import { Pusher } from './push/client.ts';
import { Scheduler } from './scheduler.ts';
import { healthDue, writeHealth } from './health.ts';
import { AGENT_VERSION } from './version.ts';
import type { AgentFacts } from './probes/probe.ts';

export interface Agent {
  stop(): Promise<void>;
  buffer: DiskBuffer;
  pusher: Pusher;
  scheduler: Scheduler;
}

const SELF_CHECK_EVERY_MS = 60_000;

export function startAgent(cfg: AgentConfig, log: Logger, now: () => number = Date.now): Agent {
  mkdirSync(cfg.stateDir, { recursive: true, mode: 0o750 });
  const buffer = DiskBuffer.open({ dir: cfg.stateDir, ...cfg.buffer });
  if (buffer.stats.corruptCuts)
    log.warn(
      { cuts: buffer.stats.corruptCuts, bytes: buffer.stats.cutBytes },
      'buffer had a torn or corrupted tail; cut back to the last good record',
    );
  const facts: AgentFacts = {};
  const pusher = new Pusher(
    {
      ...cfg.push,
      collectorUrl: cfg.collectorUrl,
      credentialFile: cfg.credentialFile,
      stateDir: cfg.stateDir,
      caFile: cfg.caFile,
      agentVersion: AGENT_VERSION,
    },
    buffer,
    log.child({ mod: 'push' }),
    facts,
  );
  let lastSelf = 0;
  let lastHealth = 0;
  let lastStatuses = '';

  /** The agent's own figures as a check, once a minute: drops, cuts, dead letters are visible centrally. */
  const selfCheck = (t: number): CheckResult[] => {
    if (t - lastSelf < SELF_CHECK_EVERY_MS) return [];
    lastSelf = t;
    const b = buffer.stats;
    const p = pusher.stats;
    const lossy = b.dropped + b.corruptCuts + p.deadLetteredSamples + p.rejectedSamples > 0;
    return [
      {
        name: 'agent',
        probe: 'agent',
        slaCritical: false,
        status: lossy ? 'warn' : 'ok',
        message: `buffer ${b.records} samples / ${(b.bytes / 1048576).toFixed(1)} MiB, dropped ${b.dropped}, cut ${b.corruptCuts}, dead-lettered ${p.deadLetteredSamples + p.rejectedSamples}`,
        values: {
          bufferRecords: b.records,
          bufferBytes: b.bytes,
          dropped: b.dropped,
          corruptCuts: b.corruptCuts,
          cutBytes: b.cutBytes,
          deadLettered: p.deadLetteredSamples,
          rejected: p.rejectedSamples,
          retries: p.retries,
          authFailures: p.authFailures,
          rotations: p.rotations,
        },
      },
    ];
  };

  const health = (t: number) => {
    writeHealth(cfg.stateDir, {
      updatedAt: t,
      agentVersion: AGENT_VERSION,
      pid: process.pid,
      intervalS: cfg.intervalS,
      collectorUrl: cfg.collectorUrl,
      checks: [...scheduler.latest.values()],
      push: pusher.stats,
      buffer: buffer.stats,
      probes: scheduler.probeStats(),
    });
  };

  const scheduler = new Scheduler(
    cfg.probes,
    cfg.env,
    facts,
    log,
    {
      onSample(sample) {
        try {
          buffer.append(sample);
        } catch (e) {
          log.error({ err: (e as Error).message }, 'buffer append failed');
        }
        pusher.notify();
        const t = sample.ts;
        // Rewrite on any change a reader cares about: a check's status, first acknowledgement, push errors.
        const statuses = `${[...scheduler.latest.values()].map((r) => r.status).join()}|${pusher.stats.lastAckAt ? 'acked' : '-'}|${pusher.stats.lastError ? 'failing' : 'ok'}`;
        if (healthDue(lastHealth, t, cfg.intervalS, statuses !== lastStatuses)) {
          lastHealth = t;
          lastStatuses = statuses;
          try {
            health(t);
          } catch (e) {
            log.warn({ err: (e as Error).message }, 'cannot write health.json');
          }
        }
      },
      onInventory: (inv) => pusher.setInventory(inv),
      extraChecks: selfCheck,
    },
    now,
  );

  scheduler.start();
  const loop = pusher.run().catch((e) => log.error({ err: (e as Error).message }, 'push loop ended'));
  log.info(
    {
      version: AGENT_VERSION,
      collector: cfg.collectorUrl,
      probes: cfg.probes.map((p) => p.name),
      stream: buffer.stream,
      pending: buffer.pending(),
    },
    'timmy-fleet agent started',
  );

  return {
    buffer,
    pusher,
    scheduler,
    async stop() {
      scheduler.stop();
      await pusher.stop();
      await loop;
      try {
        health(now());
      } catch {
        // best effort
      }
      buffer.close();
    },
  };
}
