/** The one list of probes. Adding a probe: one new file, its test, one line here. */
import type { ProbeDefinition } from './probe.ts';
import heartbeat from './heartbeat.ts';
import disk from './disk.ts';
import systemd from './systemd.ts';
import tmux from './tmux.ts';
import processProbe from './process.ts';
import file from './file.ts';
import http from './http.ts';
import system from './system.ts';
import inventory from './inventory.ts';
import expiry from './expiry.ts';

// Each definition has its own option schema; the registry only needs the common shape.
// biome-ignore lint/suspicious/noExplicitAny: one list holds definitions of different option types
export const probes: ReadonlyArray<ProbeDefinition<any>> = [
  heartbeat,
  disk,
  systemd,
  tmux,
  processProbe,
  file,
  http,
  system,
  inventory,
  expiry,
];

// biome-ignore lint/suspicious/noExplicitAny: one list holds definitions of different option types
export function findProbe(type: string): ProbeDefinition<any> | undefined {
  return probes.find((p) => p.type === type);
}
