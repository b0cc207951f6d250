import { crc32 as zlibCrc32 } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32 } from './lazy.ts';

describe('crc32', () => {
  it('matches zlib.crc32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
    for (let i = 0; i < 50; i++) {
      const b = randomBytes(i * 37);
      expect(crc32(b)).toBe(zlibCrc32(b));
    }
  });
});
