import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { Inventory } from '@timmy/shared';
import { collectInventory, osName, virtualization } from './inventory.ts';

let root: string;
beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'timmy-inv-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));
const put = (p: string, text: string) => {
  mkdirSync(join(root, p, '..'), { recursive: true });
  writeFileSync(join(root, p), text);
};

describe('inventory', () => {
  it('reads OS, disks and virtualization from a fake root, and matches the wire schema', async () => {
    put('etc/os-release', 'NAME="Ubuntu"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n');
    put('sys/block/vda/size', '104857600\n');
    put('sys/block/loop0/size', '100\n');
    put('sys/class/dmi/id/sys_vendor', 'QEMU\n');
    put('sys/class/dmi/id/product_name', 'Standard PC (Q35 + ICH9, 2009)\n');
    const inv = await collectInventory(root);
    expect(inv.os).toBe('Ubuntu 22.04.4 LTS');
    expect(inv.disks).toEqual([{ device: '/dev/vda', sizeBytes: 104857600 * 512 }]);
    expect(inv.virtualization).toBe('kvm');
    expect(Value.Check(Inventory, inv)).toBe(true);
  });
  it('falls back to the cpuinfo hypervisor flag, then none', () => {
    put('proc/cpuinfo', 'flags\t\t: fpu vme hypervisor lahf_lm\n');
    expect(virtualization(root)).toBe('virtual');
    expect(osName('ID=x\n')).toBeUndefined();
  });
});
