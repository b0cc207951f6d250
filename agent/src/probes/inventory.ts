/**
 * Static inventory (OS, kernel, CPU, RAM, disks, virtualization) from systeminformation.
 * Runs at start and then rarely (default hourly); the pusher sends it only when it changed.
 */
import { hostname, arch, cpus, totalmem, release } from 'node:os';
import { Type } from '@sinclair/typebox';
import type { Inventory } from '@timmy/shared';
import { defineProbe } from './probe.ts';

const Options = Type.Object({}, { additionalProperties: false });

const cut = (s: string | undefined, n: number) => (s ? s.slice(0, n) : undefined);

/** Builds the inventory; systeminformation is loaded on first use (it is large and spawns a few commands). */
export async function collectInventory(): Promise<Inventory> {
  const si = await import('systeminformation');
  const [osInfo, sys, blocks] = await Promise.all([
    si.osInfo().catch(() => undefined),
    si.system().catch(() => undefined),
    si.blockDevices().catch(() => []),
  ]);
  const cpu = cpus();
  const inv: Inventory = {
    hostname: hostname().slice(0, 255),
    os: cut(osInfo ? `${osInfo.distro} ${osInfo.release}`.trim() : undefined, 255),
    kernel: cut(osInfo?.kernel || release(), 255),
    arch: arch(),
    cpuModel: cut(cpu[0]?.model?.trim(), 255),
    cpuCores: cpu.length,
    memBytes: totalmem(),
    virtualization: cut(sys ? (sys.virtual ? sys.virtualHost || 'virtual' : 'none') : undefined, 64),
    disks: blocks
      .filter((b) => b.type === 'disk' && b.size > 0)
      .slice(0, 64)
      .map((b) => ({ device: `/dev/${b.name}`.slice(0, 255), sizeBytes: b.size })),
  };
  for (const k of Object.keys(inv) as (keyof Inventory)[]) if (inv[k] === undefined) delete inv[k];
  return inv;
}

export default defineProbe({
  type: 'inventory',
  kind: 'inventory',
  options: Options,
  defaultIntervalS: 3600,
  defaultTimeoutS: 30,
  defaultName: () => 'inventory',
  create() {
    return {
      async run() {
        const inventory = await collectInventory();
        return { status: 'ok', message: `${inventory.os ?? 'unknown OS'}, ${inventory.cpuCores} cores`, inventory };
      },
    };
  },
});
