/**
 * Node built-ins the agent needs only sometimes, loaded on first use. Each one costs megabytes of RSS
 * once loaded (zlib ~2 MB, fs/promises ~1.5 MB, child_process ~3 MB), against a 60 MB budget.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import type zlib from 'node:zlib';
import type childProcess from 'node:child_process';

const req = createRequire(import.meta.url);
export const zlibModule = () => req('node:zlib') as typeof zlib;
export const childProcessModule = () => req('node:child_process') as typeof childProcess;

/** Promise versions of the callback fs API (already loaded), without loading fs/promises. */
const p =
  <A extends unknown[], R>(fn: (...args: [...A, (err: NodeJS.ErrnoException | null, r: R) => void]) => void) =>
  (...args: A): Promise<R> =>
    new Promise((resolve, reject) => fn(...args, (err, r) => (err ? reject(err) : resolve(r))));

export const statfsAsync = p<[string], fs.StatsFs>(fs.statfs as never);
export const statAsync = p<[string], fs.Stats>(fs.stat as never);
export const readdirAsync = p<[string, { withFileTypes: true }], fs.Dirent[]>(fs.readdir as never);
export const readFileAsync = p<[string, BufferEncoding], string>(fs.readFile as never);
export const openAsync = p<[string, string], number>(fs.open as never);
export const closeAsync = p<[number], void>(fs.close as never);
export const fstatAsync = p<[number], fs.Stats>(fs.fstat as never);
export const readAsync = p<[number, Buffer, number, number, number], number>(fs.read as never);

/** CRC-32 (IEEE, same as zlib.crc32) in plain JS: the buffer checksums every record without loading zlib. */
const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32(buf: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** Monotonic milliseconds. (`performance.now()` loads perf_hooks: ~1 MB of RSS for a clock.) */
export function monoMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1000 + ns / 1e6;
}
