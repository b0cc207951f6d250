import { describe, expect, it } from 'vitest';
import { embeddedSettings } from './embedded.ts';

const GB = 1024 ** 3;

describe('embeddedSettings', () => {
  it('gives shared_buffers a quarter of the memory, between 128 MB and 2 GB', () => {
    expect(embeddedSettings(4 * GB).shared_buffers).toBe('1024MB');
    expect(embeddedSettings(2 * GB).shared_buffers).toBe('512MB');
    expect(embeddedSettings(0.25 * GB).shared_buffers).toBe('128MB');
    expect(embeddedSettings(24 * GB).shared_buffers).toBe('2048MB');
  });

  it('holds 20,000 nodes’ hot index pages (16 KB each) on a 4 GB machine', () => {
    expect(Number.parseInt(embeddedSettings(4 * GB).shared_buffers!, 10) * 1024).toBeGreaterThan(20_000 * 16 * 1.5);
  });

  it('checkpoints every 15 minutes, not sooner for WAL volume', () => {
    expect(embeddedSettings(4 * GB)).toMatchObject({ checkpoint_timeout: '15min', max_wal_size: '2GB' });
  });
});
