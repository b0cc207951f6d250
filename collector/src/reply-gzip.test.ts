import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { COMPRESS_MIN_BYTES, acceptsGzip, gzipReply } from './reply-gzip.ts';

const big = JSON.stringify({ rows: Array.from({ length: 200 }, (_, i) => ({ i, up: 86400 })) });

describe('gzipped replies', () => {
  it('reads Accept-Encoding as browsers and HTTP clients send it', () => {
    for (const h of ['gzip', 'gzip, deflate, br', 'br;q=1.0, gzip;q=0.8, *;q=0.1', '*', 'GZIP', 'deflate, gzip;q=0.5'])
      expect(acceptsGzip(h), h).toBe(true);
    for (const h of [undefined, '', 'identity', 'br', 'deflate, br', 'gzip;q=0', 'gzip;q=0.0, br', 'x-gzip2'])
      expect(acceptsGzip(h), String(h)).toBe(false);
  });

  it('compresses JSON and text of at least 1 KB for a client that takes gzip, and nothing else', () => {
    const base = { acceptEncoding: 'gzip, deflate', contentType: 'application/json; charset=utf-8', encoded: false, payload: big };
    const gz = gzipReply(base)!;
    expect(gunzipSync(gz).toString()).toBe(big);
    expect(gz.length).toBeLessThan(big.length / 5);
    expect(gunzipSync(gzipReply({ ...base, payload: Buffer.from(big) })!).toString()).toBe(big);
    expect(gzipReply({ ...base, contentType: 'text/plain; version=0.0.4' })).toBeDefined();
    const small = 'x'.repeat(COMPRESS_MIN_BYTES - 1);
    expect(gzipReply({ ...base, payload: small })).toBeUndefined();
    expect(gzipReply({ ...base, payload: `${small}x` })).toBeDefined();
    // the bound is on bytes: 400 three-byte characters are 1,200 bytes in 400 string units
    const wide = '€'.repeat(400);
    expect(gunzipSync(gzipReply({ ...base, payload: wide })!).toString()).toBe(wide);
    expect(gzipReply({ ...base, payload: '€'.repeat(341) })).toBeUndefined();
    expect(gzipReply({ ...base, acceptEncoding: undefined })).toBeUndefined();
    expect(gzipReply({ ...base, encoded: true })).toBeUndefined();
    expect(gzipReply({ ...base, contentType: 'image/png' })).toBeUndefined();
    expect(gzipReply({ ...base, contentType: 'text/event-stream' })).toBeUndefined();
    expect(gzipReply({ ...base, payload: { pipe: () => {} } })).toBeUndefined();
  });
});
