/**
 * Static inventory (OS, kernel, CPU, RAM, disks, virtualization), sent at start and when it changes.
 *
 * Read from /etc/os-release, /proc and /sys rather than through systeminformation (the issue's
 * suggestion): systeminformation spawns lsblk/dmidecode-style commands and its code costs ~7 MB of
 * RSS for life, while every fact here is one small file read — the agent's budget is 60 MB.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { Type } from '@sinclair/typebox';
import type { Inventory } from '@timmy/shared';
import { defineProbe } from './probe.ts';

const Options = Type.Object(
  {
    rootFs: Type.String({ default: '', description: 'prefix for /etc, /proc and /sys (tests)' }),
  },
  { additionalProperties: false },
);

const read = (p: string) => {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch {
    return '';
  }
};

export function osName(osRelease: string): string | undefined {
  const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease);
  return m?.[1] || undefined;
}

/** Best guess at the virtualization from DMI strings and the cpuinfo hypervisor flag. */
export function virtualization(root = ''): string {
  if (existsSync(`${root}/.dockerenv`)) return 'docker';
  const container = read(`${root}/run/systemd/container`);
  if (container) return container;
  const dmi = `${read(`${root}/sys/class/dmi/id/sys_vendor`)} ${read(`${root}/sys/class/dmi/id/product_name`)}`.toLowerCase();
  const table: Array<[RegExp, string]> = [
    [/qemu|kvm|openstack|digitalocean|hetzner|linode|vultr|red hat/, 'kvm'],
    [/vmware/, 'vmware'],
    [/xen/, 'xen'],
    [/amazon ec2/, 'amazon'],
    [/google/, 'gce'],
    [/microsoft corporation.*virtual/, 'hyperv'],
    [/virtualbox|innotek/, 'oracle'],
  ];
  for (const [re, name] of table) if (re.test(dmi)) return name;
  return / hypervisor( |$)/m.test(read(`${root}/proc/cpuinfo`)) ? 'virtual' : 'none';
}

export function blockDisks(root = ''): Array<{ device: string; sizeBytes: number }> {
  let names: string[] = [];
  try {
    names = readdirSync(`${root}/sys/block`);
  } catch {
    return [];
  }
  return names
    .filter((n) => !/^(loop|ram|zram|dm-|sr|fd|nbd)/.test(n))
    .map((n) => ({ device: `/dev/${n}`, sizeBytes: Number(read(`${root}/sys/block/${n}/size`)) * 512 }))
    .filter((d) => d.sizeBytes > 0)
    .slice(0, 64);
}

export async function collectInventory(root = ''): Promise<Inventory> {
  const cpu = cpus();
  const cut = (s: string | undefined, n: number) => (s ? s.slice(0, n) : undefined);
  const inv: Inventory = {
    hostname: hostname().slice(0, 255),
    os: cut(osName(read(`${root}/etc/os-release`)), 255),
    kernel: cut(release(), 255),
    arch: arch(),
    cpuModel: cut(cpu[0]?.model?.trim(), 255),
    cpuCores: cpu.length,
    memBytes: totalmem(),
    virtualization: virtualization(root),
    disks: blockDisks(root),
  };
  for (const k of Object.keys(inv) as (keyof Inventory)[]) if (inv[k] === undefined) delete inv[k];
  return inv;
}

export default defineProbe({
  type: 'inventory',
  kind: 'inventory',
  options: Options,
  defaultIntervalS: 3600,
  defaultTimeoutS: 10,
  defaultName: () => 'inventory',
  create(o) {
    return {
      async run() {
        const inventory = await collectInventory(o.rootFs);
        return {
          status: 'ok',
          message: `${inventory.os ?? 'unknown OS'}, ${inventory.cpuCores} cores, ${inventory.virtualization}`,
          inventory,
        };
      },
    };
  },
});
